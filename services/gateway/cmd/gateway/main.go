// Command gateway runs the gateway service on its own, against the NATS,
// Temporal and storage given by DOCFLOW_* environment variables.
package main

import (
	"os"

	"github.com/docflow/docflow/services/gateway"
	"github.com/docflow/docflow/services/internal/service"
)

func main() { os.Exit(service.Main(gateway.Run)) }
