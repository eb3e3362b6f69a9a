package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func js(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

type obj = map[string]any

func TestParseValidMessages(t *testing.T) {
	lines := make([]obj, maxLines)
	for i := range lines {
		lines[i] = obj{"sku": fmt.Sprintf("S%d", i), "quantity": maxQuantity}
	}
	cases := []struct {
		name  string
		value []byte
		want  *Message
	}{
		{"restock", js(obj{"id": "m1", "type": "adjust", "sku": "A", "delta": 5}), &Message{ID: "m1", Type: "adjust", SKU: "A", Delta: 5}},
		{"largest sale", js(obj{"id": "m2", "type": "adjust", "sku": "A", "delta": -1_000_000}), &Message{ID: "m2", Type: "adjust", SKU: "A", Delta: -1_000_000}},
		{"order keeps line order", js(obj{"id": "o1", "type": "order", "lines": []obj{{"sku": "B", "quantity": 2}, {"sku": "A", "quantity": 1}}}),
			&Message{ID: "o1", Type: "order", Lines: []OrderLine{{"B", 2}, {"A", 1}}}},
		{"3.0 is an integer, extra fields ignored", []byte(`{"id":"m","type":"adjust","sku":"A","delta":3.0,"note":"x"}`), &Message{ID: "m", Type: "adjust", SKU: "A", Delta: 3}},
		{"surrounding whitespace", []byte(" {\"id\":\"m\",\"type\":\"adjust\",\"sku\":\"A\",\"delta\":1}\n"), &Message{ID: "m", Type: "adjust", SKU: "A", Delta: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, invalid := ParseMessage(c.value)
			if invalid != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v, %+v; want %+v", got, invalid, c.want)
			}
		})
	}
	t.Run("limits themselves", func(t *testing.T) {
		if _, invalid := ParseMessage(js(obj{"id": strings.Repeat("x", maxIDLength), "type": "order", "lines": lines})); invalid != nil {
			t.Fatalf("refused: %s", invalid.Reason)
		}
	})
}

func TestParseInvalidMessages(t *testing.T) {
	many := make([]obj, maxLines+1)
	for i := range many {
		many[i] = obj{"sku": fmt.Sprintf("S%d", i), "quantity": 1}
	}
	cases := []struct {
		name   string
		value  []byte
		id     string
		reason string
	}{
		{"null value", nil, "", "empty"},
		{"not JSON", []byte(`{"id": "m1", "type": `), "", "not UTF-8 JSON"},
		{"invalid UTF-8", []byte{0x7b, 0xff, 0xfe, 0x7d}, "", "not UTF-8 JSON"},
		{"invalid UTF-8 inside a string", []byte("{\"id\":\"m\xff\",\"type\":\"adjust\",\"sku\":\"A\",\"delta\":1}"), "", "not UTF-8 JSON"},
		{"trailing garbage", []byte(`{"id":"m","type":"adjust","sku":"A","delta":1} x`), "", "not UTF-8 JSON"},
		{"JSON null", []byte(`null`), "", "not a JSON object"},
		{"JSON array", []byte(`[1,2]`), "", "not a JSON object"},
		{"JSON string", []byte(`"hello"`), "", "not a JSON object"},
		{"missing id", js(obj{"type": "adjust", "sku": "A", "delta": 1}), "", "id must be"},
		{"numeric id", js(obj{"id": 7, "type": "adjust", "sku": "A", "delta": 1}), "", "id must be"},
		{"empty id", js(obj{"id": "", "type": "adjust", "sku": "A", "delta": 1}), "", "id must be"},
		{"id too long", js(obj{"id": strings.Repeat("x", 201), "type": "adjust", "sku": "A", "delta": 1}), "", "id must be"},
		{"id too long in UTF-16 units", js(obj{"id": strings.Repeat("😀", 101), "type": "adjust", "sku": "A", "delta": 1}), "", "id must be"},
		{"unknown type", js(obj{"id": "m", "type": "refund"}), "m", `unknown type "refund"`},
		{"missing type", js(obj{"id": "m", "sku": "A", "delta": 1}), "m", "unknown type"},
		{"missing sku", js(obj{"id": "m", "type": "adjust", "delta": 1}), "m", "sku must be"},
		{"numeric sku", js(obj{"id": "m", "type": "adjust", "sku": 5, "delta": 1}), "m", "sku must be"},
		{"zero delta", js(obj{"id": "m", "type": "adjust", "sku": "A", "delta": 0}), "m", "must not be 0"},
		{"fractional delta", js(obj{"id": "m", "type": "adjust", "sku": "A", "delta": 1.5}), "m", "integer"},
		{"string delta", js(obj{"id": "m", "type": "adjust", "sku": "A", "delta": "5"}), "m", "integer"},
		{"delta too large", js(obj{"id": "m", "type": "adjust", "sku": "A", "delta": 1_000_001}), "m", "integer in"},
		{"delta too small", js(obj{"id": "m", "type": "adjust", "sku": "A", "delta": -1_000_001}), "m", "integer in"},
		{"huge delta", []byte(`{"id":"m","type":"adjust","sku":"A","delta":1e400}`), "m", "integer in"},
		{"missing lines", js(obj{"id": "m", "type": "order"}), "m", "lines must be"},
		{"lines not an array", js(obj{"id": "m", "type": "order", "lines": obj{"sku": "A", "quantity": 1}}), "m", "lines must be"},
		{"empty lines", js(obj{"id": "m", "type": "order", "lines": []obj{}}), "m", "lines must be"},
		{"51 lines", js(obj{"id": "m", "type": "order", "lines": many}), "m", "lines must be"},
		{"line not an object", js(obj{"id": "m", "type": "order", "lines": []string{"A"}}), "m", "line 0 is not an object"},
		{"zero quantity", js(obj{"id": "m", "type": "order", "lines": []obj{{"sku": "A", "quantity": 0}}}), "m", "quantity"},
		{"negative quantity", js(obj{"id": "m", "type": "order", "lines": []obj{{"sku": "A", "quantity": -2}}}), "m", "quantity"},
		{"quantity too large", js(obj{"id": "m", "type": "order", "lines": []obj{{"sku": "A", "quantity": 1_000_001}}}), "m", "quantity"},
		{"fractional quantity", js(obj{"id": "m", "type": "order", "lines": []obj{{"sku": "A", "quantity": 0.5}}}), "m", "quantity"},
		{"duplicate sku", js(obj{"id": "m", "type": "order", "lines": []obj{{"sku": "A", "quantity": 1}, {"sku": "A", "quantity": 2}}}), "m", "appears twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, invalid := ParseMessage(c.value)
			if got != nil || invalid == nil {
				t.Fatalf("accepted: %+v", got)
			}
			if invalid.ID != c.id || !strings.Contains(invalid.Reason, c.reason) {
				t.Fatalf("got id %q reason %q; want id %q reason containing %q", invalid.ID, invalid.Reason, c.id, c.reason)
			}
		})
	}
}

func TestFallbackID(t *testing.T) {
	if got := FallbackID("inv", 3, 41); got != "inv/3/41" {
		t.Fatalf("got %q", got)
	}
}

func TestLoadConfig(t *testing.T) {
	valid := map[string]string{
		"KAFKA_BROKERS":            "127.0.0.1:29092, localhost:29094",
		"KAFKA_TOPIC":              "inv",
		"KAFKA_GROUP_ID":           "g",
		"KAFKA_SESSION_TIMEOUT_MS": "6000",
		"DATABASE_URL":             "postgres://u:p@127.0.0.1:5432/db",
		"INSTANCE_ID":              "r1",
	}
	env := func(patch map[string]string) func(string) string {
		return func(name string) string {
			if v, ok := patch[name]; ok {
				return v
			}
			return valid[name]
		}
	}
	cfg, err := LoadConfig(env(nil))
	if err != nil || !reflect.DeepEqual(cfg.KafkaBrokers, []string{"127.0.0.1:29092", "localhost:29094"}) || cfg.SessionTimeout.Milliseconds() != 6000 || cfg.LogLevel != "info" {
		t.Fatalf("got %+v, %v", cfg, err)
	}
	bad := []struct {
		patch map[string]string
		want  string
	}{
		{map[string]string{"KAFKA_BROKERS": ""}, `KAFKA_BROKERS is not set`},
		{map[string]string{"KAFKA_BROKERS": "  "}, `KAFKA_BROKERS is not set`},
		{map[string]string{"KAFKA_BROKERS": "localhost"}, `not host:port`},
		{map[string]string{"KAFKA_BROKERS": "localhost:99999"}, `not host:port`},
		{map[string]string{"KAFKA_TOPIC": ""}, `KAFKA_TOPIC is not set`},
		{map[string]string{"KAFKA_GROUP_ID": ""}, `KAFKA_GROUP_ID is not set`},
		{map[string]string{"KAFKA_SESSION_TIMEOUT_MS": "abc"}, `KAFKA_SESSION_TIMEOUT_MS must be`},
		{map[string]string{"KAFKA_SESSION_TIMEOUT_MS": "6000.5"}, `KAFKA_SESSION_TIMEOUT_MS must be`},
		{map[string]string{"KAFKA_SESSION_TIMEOUT_MS": "10"}, `KAFKA_SESSION_TIMEOUT_MS must be`},
		{map[string]string{"DATABASE_URL": "not a url"}, `DATABASE_URL must be`},
		{map[string]string{"DATABASE_URL": "mysql://h/db"}, `postgres://`},
		{map[string]string{"INSTANCE_ID": ""}, `INSTANCE_ID is not set`},
		{map[string]string{"INSTANCE_ID": "r 1"}, `INSTANCE_ID must be`},
		{map[string]string{"LOG_LEVEL": "loud"}, `LOG_LEVEL`},
	}
	for _, c := range bad {
		if _, err := LoadConfig(env(c.patch)); err == nil || !regexp.MustCompile(regexp.QuoteMeta(c.want)).MatchString(err.Error()) {
			t.Errorf("%v: got %v, want an error containing %q", c.patch, err, c.want)
		}
	}
}

func TestBackoffStaysWithinBounds(t *testing.T) {
	b := dbBackoff
	for n := 1; n < 40; n++ {
		d := b.Delay(n)
		if d < 0 || d > b.Max {
			t.Fatalf("attempt %d: delay %v outside 0..%v", n, d, b.Max)
		}
	}
}
