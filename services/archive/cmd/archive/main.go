// Command archive runs the archive service: it keeps signed documents in the
// write-once archive bucket, catalogs them and answers searches.
package main

import (
	"os"

	"github.com/docflow/docflow/services/archive"
	"github.com/docflow/docflow/services/internal/service"
)

func main() { os.Exit(service.Main(archive.Run)) }
