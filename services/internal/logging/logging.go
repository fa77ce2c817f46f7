// Package logging builds the services' zap loggers.
package logging

import (
	"fmt"
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// New returns a logger writing to w: "json" for production (one object per
// line, for the log pipeline), "console" for people at a terminal.
func New(w io.Writer, format, level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("logging: level %q: use debug, info, warn or error", level)
	}
	var enc zapcore.Encoder
	switch format {
	case "json":
		cfg := zap.NewProductionEncoderConfig()
		cfg.EncodeTime = zapcore.RFC3339NanoTimeEncoder
		enc = zapcore.NewJSONEncoder(cfg)
	case "console":
		cfg := zap.NewDevelopmentEncoderConfig()
		cfg.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		enc = zapcore.NewConsoleEncoder(cfg)
	default:
		return nil, fmt.Errorf("logging: format %q: use json or console", format)
	}
	core := zapcore.NewCore(enc, zapcore.AddSync(w), lvl)
	return zap.New(core, zap.AddCaller()), nil
}

// Config is the logging part of every service's configuration.
type Config struct {
	Format string `env:"DOCFLOW_LOG_FORMAT" default:"json"`
	Level  string `env:"DOCFLOW_LOG_LEVEL" default:"info"`
}

// Validate reports a format or level New would refuse.
func (c Config) Validate() error {
	_, err := New(io.Discard, c.Format, c.Level)
	if err != nil {
		return fmt.Errorf("DOCFLOW_LOG_FORMAT/DOCFLOW_LOG_LEVEL: %w", err)
	}
	return nil
}

// Logger builds the service's logger; every line names the service.
func (c Config) Logger(w io.Writer, service string) (*zap.Logger, error) {
	l, err := New(w, c.Format, c.Level)
	if err != nil {
		return nil, err
	}
	return l.With(zap.String("service", service)), nil
}
