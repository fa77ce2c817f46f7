package gateway

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/internal/service"
)

// Config is the gateway's configuration.
type Config struct {
	service.Common
	service.Documents
	Addr           string        `env:"DOCFLOW_GATEWAY_ADDR" default:"127.0.0.1:8080"`
	DB             string        `env:"DOCFLOW_GATEWAY_DB" default:"sqlite:var/gateway.db"`
	Users          string        `env:"DOCFLOW_GATEWAY_USERS" default:"deploy/dev/users.yaml"`
	TokenKeyFile   string        `env:"DOCFLOW_GATEWAY_TOKEN_KEY_FILE" default:""`
	TokenKey       string        `env:"DOCFLOW_GATEWAY_TOKEN_KEY" default:""`
	TokenTTL       time.Duration `env:"DOCFLOW_GATEWAY_TOKEN_TTL" default:"8h"`
	MaxUploadBytes int64         `env:"DOCFLOW_GATEWAY_MAX_UPLOAD_BYTES" default:"52428800"`
	// Notifier is where notifications go besides the in-app list: "log"
	// writes them to the log (development), "none" keeps them in-app only.
	Notifier string `env:"DOCFLOW_GATEWAY_NOTIFIER" default:"log"`
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	problems := []error{c.Common.Validate(), c.Documents.Validate()}
	if c.TokenKey == "" && c.TokenKeyFile == "" {
		problems = append(problems, errors.New("set DOCFLOW_GATEWAY_TOKEN_KEY_FILE (or DOCFLOW_GATEWAY_TOKEN_KEY) to a secret of at least 32 bytes that signs session tokens"))
	}
	if c.MaxUploadBytes <= 0 {
		problems = append(problems, errors.New("DOCFLOW_GATEWAY_MAX_UPLOAD_BYTES must be positive"))
	}
	if c.TokenTTL <= 0 {
		problems = append(problems, errors.New("DOCFLOW_GATEWAY_TOKEN_TTL must be positive"))
	}
	if c.Notifier != "log" && c.Notifier != "none" {
		problems = append(problems, fmt.Errorf("DOCFLOW_GATEWAY_NOTIFIER is %q: use log or none", c.Notifier))
	}
	return errors.Join(problems...)
}

func (c Config) tokenKey() ([]byte, error) {
	if c.TokenKey != "" {
		return []byte(c.TokenKey), nil
	}
	key, err := os.ReadFile(c.TokenKeyFile)
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	return key, nil
}

// authenticator checks logins against the users file and signs session
// tokens with the token key.
func (c Config) authenticator() (*auth.Authenticator, error) {
	users, err := auth.LoadUsers(c.Users)
	if err != nil {
		return nil, err
	}
	key, err := c.tokenKey()
	if err != nil {
		return nil, err
	}
	return auth.New(users, key, c.TokenTTL)
}
