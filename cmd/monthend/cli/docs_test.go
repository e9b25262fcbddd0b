package cli

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the expected output of the console examples in docs/*.md")

// docExample is a runnable example in a Markdown document: files to write
// (```yaml file=NAME blocks) and a console block whose first line is
// "$ monthend ARGS…" and whose remaining lines are the expected output.
type docExample struct {
	line int      // line of the console block in the document
	args []string // after "monthend"
	want string
	// start and end are the byte offsets of the expected output, for -update-docs.
	start, end int
}

// parseDocExamples reads a Markdown document's fenced blocks.
func parseDocExamples(t *testing.T, doc string) (files map[string]string, examples []docExample) {
	files = map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(doc))
	var (
		lineNo, offset int
		inBlock        bool
		info           string
		body           strings.Builder
		bodyStart      int
		blockLine      int
	)
	for sc.Scan() {
		line := sc.Text()
		lineNo++
		next := offset + len(line) + 1
		switch {
		case !inBlock && strings.HasPrefix(line, "```"):
			inBlock, info, blockLine = true, strings.TrimPrefix(line, "```"), lineNo
			body.Reset()
			bodyStart = next
		case inBlock && line == "```":
			inBlock = false
			text := body.String()
			fields := strings.Fields(info)
			switch {
			case len(fields) >= 2 && strings.HasPrefix(fields[1], "file="):
				files[strings.TrimPrefix(fields[1], "file=")] = text
			case len(fields) == 1 && fields[0] == "console":
				cmd, out, _ := strings.Cut(text, "\n")
				if !strings.HasPrefix(cmd, "$ monthend ") {
					t.Fatalf("line %d: a console example starts with \"$ monthend \"", blockLine)
				}
				cmdEnd := bodyStart + len(cmd) + 1
				examples = append(examples, docExample{
					line: blockLine, args: strings.Fields(strings.TrimPrefix(cmd, "$ monthend ")),
					want: out, start: cmdEnd, end: offset,
				})
			}
		case inBlock:
			body.WriteString(line)
			body.WriteByte('\n')
		}
		offset = next
	}
	return files, examples
}

// TestDocExamples runs every console example of the user docs against the
// files the document defines and compares the output, so the worked
// examples in docs/pricing.md cannot drift from what monthend computes.
func TestDocExamples(t *testing.T) {
	for _, name := range []string{"pricing.md"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("..", "..", "..", "docs", name)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			doc := string(raw)
			files, examples := parseDocExamples(t, doc)
			if len(examples) == 0 {
				t.Fatal("no console examples found")
			}
			dir := t.TempDir()
			for f, content := range files {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			wd, _ := os.Getwd()
			t.Chdir(dir)
			updated := doc
			for i := len(examples) - 1; i >= 0; i-- {
				ex := examples[i]
				code, out, errOut := run(t, "", ex.args...)
				if code != exitOK {
					t.Errorf("%s line %d: monthend %s: exit %d: %s", name, ex.line, strings.Join(ex.args, " "), code, errOut)
					continue
				}
				if out != ex.want {
					if *updateDocs {
						updated = updated[:ex.start] + out + updated[ex.end:]
						continue
					}
					t.Errorf("%s line %d: monthend %s:\n--- got\n%s--- want\n%s(run go test ./cmd/monthend/cli -run TestDocExamples -update-docs, then check the new figures by hand)",
						name, ex.line, strings.Join(ex.args, " "), out, ex.want)
				}
			}
			if *updateDocs && updated != doc {
				if err := os.WriteFile(filepath.Join(wd, path), []byte(updated), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
