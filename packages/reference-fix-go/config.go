package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Config is what a replica receives from its environment (docs/CONTRACT.md section 2).
type Config struct {
	KafkaBrokers   []string
	KafkaTopic     string
	KafkaGroupID   string
	SessionTimeout time.Duration
	DatabaseURL    string
	InstanceID     string
	LogLevel       string
}

var (
	brokerPattern   = regexp.MustCompile(`^(.+):(\d{1,5})$`)
	instancePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

func required(env func(string) string, name string) (string, error) {
	value := strings.TrimSpace(env(name))
	if value == "" {
		return "", fmt.Errorf("%s is not set", name)
	}
	return value, nil
}

// LoadConfig reads and validates the environment; the error names the first bad variable.
func LoadConfig(env func(string) string) (Config, error) {
	var c Config
	var err error
	if c.InstanceID, err = required(env, "INSTANCE_ID"); err != nil {
		return c, err
	}
	if !instancePattern.MatchString(c.InstanceID) {
		return c, fmt.Errorf("INSTANCE_ID must be 1..64 characters of [A-Za-z0-9_.-], got %q", c.InstanceID)
	}
	brokers, err := required(env, "KAFKA_BROKERS")
	if err != nil {
		return c, err
	}
	for _, b := range strings.Split(brokers, ",") {
		b = strings.TrimSpace(b)
		if b == "" {
			continue
		}
		m := brokerPattern.FindStringSubmatch(b)
		if m == nil {
			return c, fmt.Errorf("KAFKA_BROKERS entry %q is not host:port", b)
		}
		if port, _ := strconv.Atoi(m[2]); port < 1 || port > 65535 {
			return c, fmt.Errorf("KAFKA_BROKERS entry %q is not host:port", b)
		}
		c.KafkaBrokers = append(c.KafkaBrokers, b)
	}
	if len(c.KafkaBrokers) == 0 {
		return c, fmt.Errorf("KAFKA_BROKERS lists no broker")
	}
	if c.KafkaTopic, err = required(env, "KAFKA_TOPIC"); err != nil {
		return c, err
	}
	if c.KafkaGroupID, err = required(env, "KAFKA_GROUP_ID"); err != nil {
		return c, err
	}
	raw, err := required(env, "KAFKA_SESSION_TIMEOUT_MS")
	if err != nil {
		return c, err
	}
	ms, convErr := strconv.Atoi(raw)
	if convErr != nil || strings.ContainsAny(raw, "+-") || ms < 1000 || ms > 3_600_000 {
		return c, fmt.Errorf("KAFKA_SESSION_TIMEOUT_MS must be an integer number of milliseconds in 1000..3600000, got %q", raw)
	}
	c.SessionTimeout = time.Duration(ms) * time.Millisecond
	if c.DatabaseURL, err = required(env, "DATABASE_URL"); err != nil {
		return c, err
	}
	u, urlErr := url.Parse(c.DatabaseURL)
	if urlErr != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return c, fmt.Errorf("DATABASE_URL must be a postgres:// or postgresql:// URL")
	}
	c.LogLevel = strings.ToLower(strings.TrimSpace(env("LOG_LEVEL")))
	switch c.LogLevel {
	case "":
		c.LogLevel = "info"
	case "debug", "info", "warn", "error":
	default:
		return c, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error, got %q", env("LOG_LEVEL"))
	}
	return c, nil
}
