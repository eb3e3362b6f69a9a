package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits of the message format (docs/CONTRACT.md section 4).
const (
	maxIDLength  = 200
	maxSKULength = 200
	maxAbsDelta  = 1_000_000
	maxQuantity  = 1_000_000
	maxLines     = 50
)

// OrderLine is one line of an order.
type OrderLine struct {
	SKU      string
	Quantity int
}

// Message is a valid adjustment (Type "adjust": SKU, Delta) or order (Type "order": Lines).
type Message struct {
	ID    string
	Type  string
	SKU   string
	Delta int
	Lines []OrderLine
}

// Invalid is a message that breaks the format; ID is empty when its id cannot be read.
type Invalid struct {
	ID     string
	Reason string
}

// jsLength counts UTF-16 code units, as the contract's "characters" (and JavaScript) do.
func jsLength(s string) int {
	n := 0
	for _, r := range s {
		n += max(1, utf16.RuneLen(r))
	}
	return n
}

func readString(v any, limit int) (string, bool) {
	s, ok := v.(string)
	if !ok || s == "" || jsLength(s) > limit {
		return "", false
	}
	return s, true
}

// readInteger accepts JSON numbers with no fractional part (3 and 3.0 and 3e0 alike).
func readInteger(v any, lo, hi int) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, false
	}
	return int(f), true
}

func decodeObject(value []byte) (map[string]any, string) {
	if value == nil {
		return nil, "empty message value"
	}
	// encoding/json would silently replace invalid UTF-8; the contract calls it invalid.
	if !utf8.Valid(value) {
		return nil, "value is not UTF-8 JSON"
	}
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		return nil, "value is not UTF-8 JSON"
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, "value is not UTF-8 JSON"
	}
	object, ok := data.(map[string]any)
	if !ok {
		return nil, "value is not a JSON object"
	}
	return object, ""
}

// ParseMessage validates one Kafka message value. Whether a SKU exists is checked in the
// database, inside the message's transaction.
func ParseMessage(value []byte) (*Message, *Invalid) {
	data, reason := decodeObject(value)
	if data == nil {
		return nil, &Invalid{Reason: reason}
	}
	id, ok := readString(data["id"], maxIDLength)
	if !ok {
		return nil, &Invalid{Reason: fmt.Sprintf("id must be a string of 1..%d characters", maxIDLength)}
	}
	invalid := func(format string, args ...any) (*Message, *Invalid) {
		return nil, &Invalid{ID: id, Reason: fmt.Sprintf(format, args...)}
	}
	switch data["type"] {
	case "adjust":
		sku, ok := readString(data["sku"], maxSKULength)
		if !ok {
			return invalid("sku must be a string of 1..%d characters", maxSKULength)
		}
		delta, ok := readInteger(data["delta"], -maxAbsDelta, maxAbsDelta)
		if !ok {
			return invalid("delta must be an integer in -%d..%d", maxAbsDelta, maxAbsDelta)
		}
		if delta == 0 {
			return invalid("delta must not be 0")
		}
		return &Message{ID: id, Type: "adjust", SKU: sku, Delta: delta}, nil
	case "order":
		raw, ok := data["lines"].([]any)
		if !ok || len(raw) < 1 || len(raw) > maxLines {
			return invalid("lines must be an array of 1..%d lines", maxLines)
		}
		lines := make([]OrderLine, 0, len(raw))
		seen := make(map[string]bool, len(raw))
		for i, item := range raw {
			line, ok := item.(map[string]any)
			if !ok {
				return invalid("line %d is not an object", i)
			}
			sku, ok := readString(line["sku"], maxSKULength)
			if !ok {
				return invalid("line %d: sku must be a string of 1..%d characters", i, maxSKULength)
			}
			quantity, ok := readInteger(line["quantity"], 1, maxQuantity)
			if !ok {
				return invalid("line %d: quantity must be an integer in 1..%d", i, maxQuantity)
			}
			if seen[sku] {
				return invalid("line %d: sku %s appears twice", i, sku)
			}
			seen[sku] = true
			lines = append(lines, OrderLine{SKU: sku, Quantity: quantity})
		}
		return &Message{ID: id, Type: "order", Lines: lines}, nil
	default:
		typ, _ := json.Marshal(data["type"])
		return invalid("unknown type %s", typ)
	}
}

// FallbackID is the id under which a message whose own id cannot be read is recorded.
func FallbackID(topic string, partition int32, offset int64) string {
	return fmt.Sprintf("%s/%d/%d", topic, partition, offset)
}
