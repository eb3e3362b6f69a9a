package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The fix guide must name every // BUG: of buggy-service-go at its current line, once.
func TestReadmeListsEveryBug(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../buggy-service-go/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in ../buggy-service-go (%v)", err)
	}
	var bugs []string
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(text), "\n") {
			if regexp.MustCompile(`//\s*BUG:`).MatchString(line) {
				bugs = append(bugs, filepath.Base(file)+":"+strconv.Itoa(i+1))
			}
		}
	}
	if len(bugs) < 12 {
		t.Fatalf("buggy-service-go has %d BUG comments, want at least 12", len(bugs))
	}
	var table, headings, categories []string
	for _, m := range regexp.MustCompile("(?m)^\\| (\\d+) \\| `([a-z_]+\\.go:\\d+)` \\| ([a-z ]+) \\|").FindAllStringSubmatch(string(readme), -1) {
		table = append(table, m[1]+" "+m[2])
		if !slices.Contains(categories, m[3]) {
			categories = append(categories, m[3])
		}
	}
	for _, m := range regexp.MustCompile("(?m)^### (\\d+)\\. .*\\(`([a-z_]+\\.go:\\d+)`\\)$").FindAllStringSubmatch(string(readme), -1) {
		headings = append(headings, m[1]+" "+m[2])
	}
	refs := make([]string, len(table))
	for i, row := range table {
		refs[i] = strings.SplitN(row, " ", 2)[1]
	}
	slices.Sort(refs)
	slices.Sort(bugs)
	if !slices.Equal(refs, bugs) {
		t.Errorf("the table lists %v, the BUG comments are at %v", refs, bugs)
	}
	if !slices.Equal(headings, table) {
		t.Errorf("sections %v do not match the table %v", headings, table)
	}
	slices.Sort(categories)
	want := []string{"atomic ops", "consumer offsets", "idempotency", "isolation", "load stress", "locking", "race conditions"}
	if !slices.Equal(categories, want) {
		t.Errorf("categories %v, want all seven %v", categories, want)
	}
}
