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
	// Webhook deliveries (internal/webhook): the wait after the first
	// failed attempt, which doubles after each further one up to the
	// longest wait; the bound of each attempt; how often retries that came
	// due are looked for; how many attempts run at once.
	WebhookRetryBase time.Duration `env:"DOCFLOW_GATEWAY_WEBHOOK_RETRY_BASE" default:"10s"`
	WebhookRetryMax  time.Duration `env:"DOCFLOW_GATEWAY_WEBHOOK_RETRY_MAX" default:"6h"`
	WebhookTimeout   time.Duration `env:"DOCFLOW_GATEWAY_WEBHOOK_TIMEOUT" default:"10s"`
	WebhookPoll      time.Duration `env:"DOCFLOW_GATEWAY_WEBHOOK_POLL" default:"1s"`
	WebhookWorkers   int           `env:"DOCFLOW_GATEWAY_WEBHOOK_WORKERS" default:"4"`
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
	return errors.Join(append(problems, c.validateWebhooks()...)...)
}

// Limits of the webhook settings: a retry base of at least a millisecond
// (tests) and at most the longest wait, which stays within a day so that a
// dead delivery is known within days; an attempt bounded by a minute, as a
// receiver only has to store the event.
func (c Config) validateWebhooks() []error {
	var problems []error
	if c.WebhookRetryBase < time.Millisecond || c.WebhookRetryBase > c.WebhookRetryMax {
		problems = append(problems, fmt.Errorf("DOCFLOW_GATEWAY_WEBHOOK_RETRY_BASE is %s: use a duration from 1ms up to DOCFLOW_GATEWAY_WEBHOOK_RETRY_MAX (%s), e.g. 10s", c.WebhookRetryBase, c.WebhookRetryMax))
	}
	if c.WebhookRetryMax <= 0 || c.WebhookRetryMax > 24*time.Hour {
		problems = append(problems, fmt.Errorf("DOCFLOW_GATEWAY_WEBHOOK_RETRY_MAX is %s: use a positive duration of at most 24h, e.g. 6h", c.WebhookRetryMax))
	}
	if c.WebhookTimeout <= 0 || c.WebhookTimeout > time.Minute {
		problems = append(problems, fmt.Errorf("DOCFLOW_GATEWAY_WEBHOOK_TIMEOUT is %s: use a positive duration of at most 1m, e.g. 10s", c.WebhookTimeout))
	}
	if c.WebhookPoll < time.Millisecond || c.WebhookPoll > time.Minute {
		problems = append(problems, fmt.Errorf("DOCFLOW_GATEWAY_WEBHOOK_POLL is %s: use a duration from 1ms to 1m, e.g. 1s", c.WebhookPoll))
	}
	if c.WebhookWorkers < 1 || c.WebhookWorkers > 64 {
		problems = append(problems, fmt.Errorf("DOCFLOW_GATEWAY_WEBHOOK_WORKERS is %d: use 1 to 64", c.WebhookWorkers))
	}
	return problems
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
