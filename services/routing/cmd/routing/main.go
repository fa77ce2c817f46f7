// Command routing runs the routing service on its own, against the NATS,
// Temporal and storage given by DOCFLOW_* environment variables.
package main

import (
	"os"

	"github.com/docflow/docflow/services/internal/service"
	"github.com/docflow/docflow/services/routing"
)

func main() { os.Exit(service.Main(routing.Run)) }
