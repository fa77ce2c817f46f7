package signing

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/docflow/docflow/services/internal/service"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/keys/token"
	"github.com/docflow/docflow/services/signing/internal/remote"
	"github.com/docflow/docflow/services/signing/internal/remote/csc"
)

// trustAnchors reads the roots signatures are verified against.
func (c Config) trustAnchors() (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if len(c.TrustAnchors) == 0 {
		root, err := keys.LoadRoot(c.PKIDir)
		if err != nil {
			return nil, fmt.Errorf("trust anchor from DOCFLOW_SIGNING_PKI_DIR: %w", err)
		}
		pool.AddCert(root)
		return pool, nil
	}
	for _, file := range c.TrustAnchors {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("DOCFLOW_SIGNING_TRUST_ANCHORS: %w", err)
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("DOCFLOW_SIGNING_TRUST_ANCHORS: %s holds no PEM certificate", file)
		}
	}
	return pool, nil
}

// openKeys opens the key source DOCFLOW_SIGNING_KEYS names, with its
// readiness check and what closes it.
func openKeys(ctx context.Context, cfg Config, env *service.Env) (keys.Source, error) {
	switch cfg.Keys {
	case KeysPKCS11:
		src, err := token.Open(cfg.Token, time.Now, env.Log)
		if err != nil {
			return nil, fmt.Errorf("PKCS#11 token: %w", err)
		}
		env.Check("keys", src.Check)
		env.OnStop("PKCS#11 token", src.Close)
		return src, nil
	case KeysRemote:
		tok, err := cfg.Remote.token()
		if err != nil {
			return nil, err
		}
		client, err := csc.New(csc.Config{
			BaseURL: cfg.Remote.URL, Token: tok, RequestTTL: cfg.Remote.Timeout,
			Description: "docflow: approve signing the document",
		}, env.Log)
		if err != nil {
			return nil, fmt.Errorf("remote signing: %w", err)
		}
		// The service is asked on each signature; being unreachable for a
		// moment must not take the worker out of rotation, so it has no
		// readiness check.
		return remote.NewSource(client, remote.Wait{Timeout: cfg.Remote.Timeout, Interval: cfg.Remote.PollInterval}, time.Now), nil
	default:
		src := keys.NewDir(cfg.PKIDir, time.Now)
		if err := src.Check(ctx); err != nil {
			// Not fatal: the PKI may be created after start (docflow dev does
			// it in parallel); readiness reports it until then.
			env.Log.Warn("no signing keys yet", zap.String("pki_dir", cfg.PKIDir), zap.Error(err))
		}
		env.Check("keys", src.Check)
		return src, nil
	}
}
