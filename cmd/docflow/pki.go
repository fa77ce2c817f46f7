package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/stack"
)

func pkiInit(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pki init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "var/pki", "where to write the certificates and keys")
	trustURL := fs.String("trust-url", devpki.DefaultTrustServicesURL,
		"base URL of the development trust services (OCSP, CRL) the certificates name; `docflow dev` runs them there")
	root, err := parseInRepo(fs, args, dir)
	if err != nil {
		return err
	}
	if err := stack.InitPKI(*dir, root, *trustURL); err != nil {
		return fmt.Errorf("pki init: %w", err)
	}
	fmt.Fprintf(stdout, "Development PKI ready in %s: root CA, timestamp authority (tsa.crt), OCSP responder (ocsp.crt),\n"+
		"organisation and personal certificates naming the development trust services at %s.\n"+
		"These certificates are for development only.\n", *dir, *trustURL)
	return nil
}
