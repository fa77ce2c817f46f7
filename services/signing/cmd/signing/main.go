// Command signing runs the signing service.
package main

import (
	"os"

	"github.com/docflow/docflow/services/internal/service"
	"github.com/docflow/docflow/services/signing"
)

func main() { os.Exit(service.Main(signing.Run)) }
