package parse

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText turns an HTML body into plain text: the words a reader sees, paragraphs and line
// breaks kept, list items marked, links' addresses after their words when they differ. What a
// reader never sees goes: scripts, styles, the head, comments, images (tracking pixels among
// them), forms and embedded objects. Blockquoted text is marked with "> " so the quoted
// conversation can be told apart. The result is text: nothing of it is ever rendered as HTML.
func HTMLToText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	skip := 0  // depth inside elements whose content is never shown
	quote := 0 // blockquote depth
	lineStart := true
	newline := func() {
		b.WriteString("\n")
		lineStart = true
	}
	write := func(s string) {
		if lineStart {
			b.WriteString(strings.Repeat("> ", quote))
			lineStart = false
		}
		b.WriteString(s)
	}
	var href []string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyLines(b.String())
		case html.TextToken:
			if skip > 0 {
				continue
			}
			raw := string(z.Text())
			t := strings.Join(strings.Fields(raw), " ")
			if t == "" {
				if raw != "" && !lineStart {
					write(" ")
				}
				continue
			}
			if !lineStart && strings.TrimLeft(raw, " \t\n\r") != raw {
				write(" ")
			}
			write(t)
			if strings.TrimRight(raw, " \t\n\r") != raw {
				write(" ")
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			end := tt == html.EndTagToken
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template, atom.Iframe,
				atom.Object, atom.Embed, atom.Svg, atom.Math, atom.Select, atom.Textarea, atom.Button:
				if tt == html.StartTagToken {
					skip++
				} else if end && skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch a {
			case atom.Br:
				newline()
			case atom.P, atom.Div, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
				atom.Ul, atom.Ol, atom.Table, atom.Section, atom.Article, atom.Header, atom.Footer,
				atom.Pre, atom.Hr, atom.Center:
				if !lineStart {
					newline()
				}
				if a == atom.P || a == atom.H1 || a == atom.H2 || a == atom.H3 || a == atom.H4 || a == atom.H5 || a == atom.H6 || a == atom.Hr {
					if end || a == atom.Hr {
						newline()
					}
				}
			case atom.Blockquote:
				if !lineStart {
					newline()
				}
				if end {
					if quote > 0 {
						quote--
					}
				} else {
					quote++
				}
			case atom.Li:
				if !end {
					if !lineStart {
						newline()
					}
					write("- ")
				}
			case atom.Td, atom.Th:
				if end {
					write(" ")
				}
			case atom.A:
				if end {
					if n := len(href); n > 0 {
						if u := href[n-1]; u != "" {
							write(" (" + u + ")")
						}
						href = href[:n-1]
					}
				} else {
					u := ""
					for hasAttr {
						var k, v []byte
						k, v, hasAttr = z.TagAttr()
						if string(k) == "href" {
							u = strings.TrimSpace(string(v))
						}
					}
					// Only web and mail links are named; javascript: and data: never are.
					low := strings.ToLower(u)
					if !strings.HasPrefix(low, "http://") && !strings.HasPrefix(low, "https://") && !strings.HasPrefix(low, "mailto:") {
						u = ""
					}
					href = append(href, u)
				}
			}
		}
	}
}

var blankRuns = regexp.MustCompile(`\n{3,}`)

// tidyLines trims each line and keeps at most one blank line in a row.
func tidyLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(blankRuns.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// Quote headers mail programs put above the conversation they quote.
var (
	// Gmail, Apple Mail, Thunderbird: "On Mon, 1 Dec 2026 at 10:00, Kaiku <x@y> wrote:"; the
	// Finnish ones end "kirjoitti:". Gmail may wrap the line, so two lines are tried together.
	wroteLine = regexp.MustCompile(`(?i)^(on|le|am|\d{1,2}\.\s?\d{1,2}\.|\w+ \d{1,2}\.).{0,200}(wrote|kirjoitti|a écrit|schrieb):$`)
	// Outlook: a rule line or "-----Original Message-----", then From:/Sent: lines.
	originalLine = regexp.MustCompile(`(?i)^-{2,}\s*(original message|alkuperäinen viesti|forwarded message|välitetty viesti)\s*-{2,}$`)
	ruleLine     = regexp.MustCompile(`^_{20,}$`)
	fromLine     = regexp.MustCompile(`(?i)^\*?(from|lähettäjä|von):\*?\s`)
	sentLine     = regexp.MustCompile(`(?i)^\*?(sent|date|lähetetty|päivämäärä|gesendet):\*?\s`)
)

// SplitQuoted separates what the sender wrote from the earlier conversation their mail program
// quoted below it: from the first quote header (Gmail's and Apple Mail's "On ... wrote:",
// Outlook's "From: ... Sent: ..." block or "Original Message" line) or, without one, from the
// trailing block of "> " lines. A mail that is only quotation keeps it all as its text.
func SplitQuoted(text string) (shown, quoted string) {
	lines := strings.Split(text, "\n")
	cut := -1
	for i := 0; i < len(lines) && cut < 0; i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case wroteLine.MatchString(l):
			cut = i
		case i+1 < len(lines) && wroteLine.MatchString(l+" "+strings.TrimSpace(lines[i+1])) && !strings.HasPrefix(l, ">"):
			cut = i
		case originalLine.MatchString(l):
			cut = i
		case ruleLine.MatchString(l) && i+1 < len(lines) && fromLine.MatchString(strings.TrimSpace(lines[i+1])):
			cut = i
		case fromLine.MatchString(l) && hasWithin(lines[i+1:], 4, sentLine):
			cut = i
		}
	}
	if cut < 0 {
		// A trailing block of quoted lines (blank lines allowed inside it).
		end := len(lines)
		i := end - 1
		for i >= 0 && (strings.HasPrefix(lines[i], ">") || strings.TrimSpace(lines[i]) == "") {
			i--
		}
		if i < end-1 && hasQuoted(lines[i+1:]) {
			cut = i + 1
		}
	}
	if cut <= 0 {
		return strings.TrimSpace(text), ""
	}
	shown = strings.TrimSpace(strings.Join(lines[:cut], "\n"))
	if shown == "" {
		return strings.TrimSpace(text), ""
	}
	return shown, strings.TrimSpace(strings.Join(lines[cut:], "\n"))
}

func hasWithin(lines []string, n int, re *regexp.Regexp) bool {
	for i := 0; i < n && i < len(lines); i++ {
		if re.MatchString(strings.TrimSpace(lines[i])) {
			return true
		}
	}
	return false
}

func hasQuoted(lines []string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, ">") {
			return true
		}
	}
	return false
}
