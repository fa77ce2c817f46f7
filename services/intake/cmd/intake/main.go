// Command intake runs the intake service.
package main

import (
	"os"

	"github.com/docflow/docflow/services/intake"
	"github.com/docflow/docflow/services/internal/service"
)

func main() { os.Exit(service.Main(intake.Run)) }
