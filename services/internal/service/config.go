package service

import (
	"errors"

	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/logging"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/temporalx"
)

// Common is the configuration every service shares: where NATS and
// Temporal are and how it logs. A service's Config embeds it, so the keys
// are declared, defaulted and checked in one place.
type Common struct {
	NATS     natsx.Config
	Temporal temporalx.Config
	Log      logging.Config
}

// Validate reports every problem of the shared settings.
func (c Common) Validate() error {
	return errors.Join(c.NATS.Validate(), c.Temporal.Validate(), c.Log.Validate())
}

// Documents is where the documents' PDFs are kept: the object store and
// the bucket every service that reads or writes them shares.
type Documents struct {
	S3              objstore.S3Config
	DocumentsBucket string `env:"DOCFLOW_DOCUMENTS_BUCKET" default:"docflow-documents" required:"the name of the bucket holding the documents"`
}

// Validate reports every problem of the object store settings.
func (d Documents) Validate() error {
	return errors.Join(append(config.Missing(d), d.S3.Validate())...)
}
