package approval_test

import "github.com/stretchr/testify/mock"

func mockAnyArgs() any { return mock.Anything }
