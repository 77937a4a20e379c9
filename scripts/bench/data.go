package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Real complaint texts for the seeded cases, or a deterministic generator when the data files
// are not there (see /work/shared/data/README.md for the files).

const (
	cfpbFile    = "cfpb_complaints_sample.csv"
	bookingFile = "booking_hotel_reviews_sample.csv"
)

type cfpbRow struct{ narrative, issue, product, via string }

type bookingRow struct{ text, hotel string }

// sources are the texts cases are built from.
type sources struct {
	name    string // names the data set in the report and in the seed metadata
	cfpb    []cfpbRow
	booking []bookingRow
}

// findDataDir returns the first candidate directory holding either data file, or "".
func findDataDir(candidates []string) string {
	for _, d := range candidates {
		if d == "" {
			continue
		}
		for _, f := range []string{cfpbFile, bookingFile} {
			if _, err := os.Stat(filepath.Join(d, f)); err == nil {
				return d
			}
		}
	}
	return ""
}

// defaultDataDirs are where the shared data sets live relative to the repository and on the
// development machines.
func defaultDataDirs() []string {
	out := []string{filepath.Join("..", "shared", "data"), "/work/shared/data"}
	// go test runs in the package directory, three levels below the checkout's parent.
	out = append(out, filepath.Join("..", "..", "..", "shared", "data"))
	return out
}

// loadSources reads the data files in dir; dir "" means generated text only.
func loadSources(dir string) (*sources, error) {
	s := &sources{}
	if dir == "" {
		s.name = "generated text"
		return s, nil
	}
	var names []string
	if rows, err := readCSV(filepath.Join(dir, cfpbFile)); err == nil {
		for _, r := range rows {
			if n := strings.TrimSpace(r["Consumer complaint narrative"]); n != "" {
				s.cfpb = append(s.cfpb, cfpbRow{narrative: n, issue: strings.TrimSpace(r["Issue"]),
					product: strings.TrimSpace(r["Product"]), via: strings.TrimSpace(r["Submitted via"])})
			}
		}
		names = append(names, fmt.Sprintf("%d CFPB narratives", len(s.cfpb)))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if rows, err := readCSV(filepath.Join(dir, bookingFile)); err == nil {
		for _, r := range rows {
			t := strings.TrimSpace(r["Negative_Review"])
			if t == "" || strings.EqualFold(t, "No Negative") || len(strings.Fields(t)) < 3 {
				continue
			}
			s.booking = append(s.booking, bookingRow{text: t, hotel: strings.TrimSpace(r["Hotel_Name"])})
		}
		names = append(names, fmt.Sprintf("%d Booking negative reviews", len(s.booking)))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if len(s.cfpb) == 0 && len(s.booking) == 0 {
		s.name = "generated text"
		return s, nil
	}
	s.name = strings.Join(names, " + ")
	return s, nil
}

// readCSV returns every row as column name -> value.
func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				row[h] = rec[i]
			}
		}
		out = append(out, row)
	}
}

// Value pools. Agents and teams are ids only: lists and gets do not look them up.
var (
	agentIDs    = makeIDs("bench-agent-", 24)
	cfpbTeams   = []string{"team-billing", "team-support", "team-escalations"}
	hotelTeams  = []string{"team-hotels", "team-support"}
	cfpbTouch   = []string{"statement", "website", "mobile app", "phone line", "collections call", "branch", "credit report", "online banking"}
	hotelTouch  = []string{"booking", "check-in", "room", "breakfast", "front desk", "housekeeping", "check-out", "wifi"}
	outcomes    = []string{"", "", "refund", "replacement", "repair", "apology", "explanation", "other"}
	tagPool     = []string{"refund", "repeat-customer", "vip", "legal", "social-media", "delay", "damaged", "fraud", "accessibility", "noise"}
	firstNames  = []string{"Aino", "Eino", "Maria", "James", "Sofia", "Mohammed", "Linda", "Juha", "Emma", "Oliver", "Chen", "Fatima", "Lucas", "Olivia", "Mikko", "Ana"}
	lastNames   = []string{"Virtanen", "Smith", "Korhonen", "Garcia", "Nieminen", "Johnson", "Mäkinen", "Brown", "Lee", "Hämäläinen", "Khan", "Rossi", "Laine", "Müller", "Nowak", "Silva"}
	replyBodies = []string{"Thank you for telling us about this. I have looked into your case and will get back to you within two working days.", "I am sorry about the trouble this has caused. Could you send us the reference of the transaction so we can check it?", "We have corrected the error on your account and refunded the fee. Please let us know if anything still looks wrong.", "Thank you for your patience. Our team has escalated this and I will update you as soon as I hear back.", "I understand how frustrating this is. We have arranged a replacement and it should reach you this week."}
	followUps   = []string{"Thanks, but nothing has changed yet. When will this be fixed?", "I sent the documents you asked for yesterday.", "This is the third time I have had to write about this.", "Ok, I will wait for your answer."}
	genSubjects = []string{"Charged twice for one order", "Delivery never arrived", "Refund not received", "Rude staff at the counter", "Product broke after a week", "Cannot log in to my account", "Wrong item delivered", "Hidden fees on invoice", "Appointment cancelled without notice", "Noise complaint about room", "Warranty claim refused", "Long waiting time on the phone"}
	genCats     = []string{"Billing", "Delivery", "Product quality", "Customer service", "Account access", "Refunds", "Bookings"}
	genWords    = strings.Fields("the order was late and the package arrived damaged I called customer service three times but nobody answered my invoice shows a fee I never agreed to staff promised a refund within a week it has now been a month the product stopped working after two days the app keeps logging me out room was dirty and noisy breakfast was cold I want my money back please fix this account charge payment delivery driver manager store website email response waiting again broken missing wrong")
	// 70% of the cases are in an open status (new, open, waiting).
	statuses        = []models.Status{models.StatusNew, models.StatusOpen, models.StatusWaiting, models.StatusResolved, models.StatusClosed}
	statusWeights   = []int{18, 35, 17, 18, 12}
	priorities      = []models.Priority{models.PriorityLow, models.PriorityNormal, models.PriorityHigh, models.PriorityUrgent}
	priorityWeights = []int{20, 50, 22, 8}
)

func makeIDs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i+1)
	}
	return out
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// channelOf maps CFPB's "Submitted via" to a Kaiku channel.
func channelOf(via string) models.Channel {
	switch strings.ToLower(via) {
	case "web":
		return models.ChannelWebForm
	case "phone":
		return models.ChannelPhone
	case "referral":
		return models.ChannelAPI
	default: // email, postal mail, fax: written correspondence
		return models.ChannelEmail
	}
}

// generator builds the n cases of a data set, in order, deterministically from seed and
// anchor: case i is created at anchor - 1 year + i/n years, so references are chronological.
type generator struct {
	src     *sources
	seed    uint64
	n       int
	anchor  time.Time
	perYear map[int]int64
}

const seedSpan = 365 * 24 * time.Hour

func newGenerator(src *sources, seed uint64, n int, anchor time.Time) *generator {
	return &generator{src: src, seed: seed, n: n, anchor: anchor, perYear: map[int]int64{}}
}

// next returns case i; call it for i = 0, 1, 2, ... in order.
func (g *generator) next(i int) *models.Case {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)))
	step := seedSpan / time.Duration(g.n)
	created := g.anchor.Add(-seedSpan + time.Duration(i)*step + time.Duration(r.Int64N(int64(step)+1)))
	created = created.Truncate(time.Millisecond) // BSON keeps milliseconds
	year := created.Year()
	g.perYear[year]++
	id := models.FormatReference(year, g.perYear[year])

	var req models.CaseCreate
	teams := cfpbTeams
	touch := cfpbTouch
	switch {
	case len(g.src.cfpb) > 0 && (len(g.src.booking) == 0 || r.IntN(2) == 0):
		row := pick(r, g.src.cfpb)
		req.Subject, req.Description, req.Category = truncate(row.issue, 200), row.narrative, truncate(row.product, 80)
		req.Channel = channelOf(row.via)
	case len(g.src.booking) > 0:
		row := pick(r, g.src.booking)
		req.Subject = truncate(row.hotel+": "+strings.Join(firstWords(row.text, 8), " "), 200)
		req.Description, req.Category, req.Channel = row.text, "Hotel stay", models.ChannelReview
		teams, touch = hotelTeams, hotelTouch
	default:
		req.Subject, req.Category = pick(r, genSubjects), pick(r, genCats)
		words := make([]string, 20+r.IntN(120))
		for k := range words {
			words[k] = pick(r, genWords)
		}
		req.Description = strings.Join(words, " ") + "."
		req.Channel = pick(r, []models.Channel{models.ChannelWebForm, models.ChannelEmail, models.ChannelPhone, models.ChannelAPI})
	}
	cust := r.IntN(max(1, g.n/3)) // about three cases per customer: returning customers exist
	req.Customer = models.CustomerCreate{
		Name:  firstNames[cust%len(firstNames)] + " " + lastNames[(cust/len(firstNames))%len(lastNames)],
		Email: fmt.Sprintf("customer%06d@example.com", cust),
	}
	req.Priority = priorities[weighted(r, priorityWeights)]
	req.Touchpoint = pick(r, touch)
	req.ExpectedOutcome = pick(r, outcomes)
	for range r.IntN(3) {
		req.Tags = append(req.Tags, pick(r, tagPool))
	}
	req.TeamID = pick(r, teams)
	status := statuses[weighted(r, statusWeights)]
	if status != models.StatusNew && r.IntN(100) < 92 {
		req.AssigneeID = pick(r, agentIDs)
	}

	c := models.NewCase(id, req, models.Actor{Name: "Intake"}, created)
	if r.IntN(100) < 5 {
		c.EscalationLevel = 1 + r.IntN(2)
	}
	if status == models.StatusNew {
		return c
	}
	// Later activity, spread up to 45 days after creation but never after the anchor.
	room := min(g.anchor.Sub(created), 45*24*time.Hour)
	at := created
	advance := func() time.Time {
		at = at.Add(time.Duration(r.Int64N(int64(room)/4 + 1))).Add(time.Minute).Truncate(time.Millisecond)
		return at
	}
	agent := models.Actor{ID: c.AssigneeID, Name: "Agent " + strings.TrimPrefix(c.AssigneeID, "bench-agent-")}
	if agent.ID == "" {
		agent = models.Actor{ID: agentIDs[0], Name: "Agent 01"}
	}
	addMessage := func(kind models.MessageKind, author models.Actor, body string) {
		t := advance()
		c.Messages = append(c.Messages, models.Message{ID: fmt.Sprintf("%016x", r.Uint64()), Kind: kind,
			AuthorID: author.ID, Author: author.Name, Body: body, CreatedAt: t})
		c.Timeline = append(c.Timeline, models.TimelineEvent{At: t, ActorID: author.ID, Actor: author.Name,
			Type: "message", Data: map[string]string{"kind": string(kind)}})
		if kind == models.MessageReply && c.FirstResponseAt == nil {
			first := t
			c.FirstResponseAt = &first
		}
		c.UpdatedAt = t
		c.Version++
	}
	addMessage(models.MessageReply, agent, pick(r, replyBodies))
	if r.IntN(100) < 30 {
		addMessage(models.MessageCustomer, models.Actor{Name: c.Customer.Name}, pick(r, followUps))
	}
	if status != c.Status {
		if err := c.ApplyPatch(models.CasePatch{Status: &status}, agent, advance()); err != nil {
			panic(fmt.Sprintf("bench generator: %s: %v", id, err)) // the generator only makes allowed moves
		}
		c.Version++
	}
	return c
}

// weighted returns an index into weights, chosen with probability proportional to its weight.
func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n -= w; n < 0 {
			return i
		}
	}
	return len(weights) - 1
}

func firstWords(s string, n int) []string {
	f := strings.Fields(s)
	return f[:min(n, len(f))]
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// dataset is what the measurements sample from: every case id and the values filters use.
type dataset struct {
	ids        []string
	categories []string
	channels   []string
	touchpts   []string
	yearCounts map[int]int64
}

// collect remembers what a generated case offers to the samplers.
type collector struct {
	d    dataset
	seen map[string]bool
}

func newCollector(n int) *collector {
	return &collector{d: dataset{ids: make([]string, 0, n)}, seen: map[string]bool{}}
}

func (k *collector) add(c *models.Case) {
	k.d.ids = append(k.d.ids, c.ID)
	for _, kv := range []struct {
		kind, v string
		dst     *[]string
	}{{"cat", c.Category, &k.d.categories}, {"ch", string(c.Channel), &k.d.channels}, {"tp", c.Touchpoint, &k.d.touchpts}} {
		if key := kv.kind + "\x00" + kv.v; !k.seen[key] {
			k.seen[key] = true
			*kv.dst = append(*kv.dst, kv.v)
		}
	}
}

// texts are the complaint texts of the sources (or generated ones), each usable as a
// complaint's description: at least 10 characters, at most the form's 20,000.
func (s *sources) texts() []string {
	var out []string
	add := func(t string) {
		if t = strings.TrimSpace(t); len(t) >= 10 {
			out = append(out, truncate(t, 20000))
		}
	}
	for _, r := range s.cfpb {
		add(r.narrative)
	}
	for _, r := range s.booking {
		add(r.text)
	}
	if len(out) == 0 {
		r := rand.New(rand.NewPCG(1, 6))
		for range 500 {
			words := make([]string, 20+r.IntN(120))
			for k := range words {
				words[k] = pick(r, genWords)
			}
			add(strings.Join(words, " ") + ".")
		}
	}
	return out
}

// vocabulary is what the search figure asks for: words of the complaint texts by how many
// texts hold them.
type vocabulary struct {
	common   []string // the most frequent words (stop words left out)
	rare     []string // words found in only a few texts
	typoBase []string // words long enough to get a typo Kaiku's search tolerates
}

// stopWords are left out of the common words: nobody searches an inbox for them.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`about after again also because been before being could didn does
		doing from have having here into just more most other over same should some such than that their
		them then there these they this those through under until very were what when where which while
		with would your only told said back even still will again asked since never call called`) {
		stopWords[w] = true
	}
}

// words splits a text into lowercase words of letters (CFPB's XXXX redactions left out).
func words(t string) []string {
	out := strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return !unicode.IsLetter(r) })
	return slices.DeleteFunc(out, func(w string) bool { return strings.Contains(w, "xx") })
}

func newVocabulary(texts []string) *vocabulary {
	df := map[string]int{}
	for _, t := range texts {
		seen := map[string]bool{}
		for _, w := range words(t) {
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	all := make([]string, 0, len(df))
	for w := range df {
		all = append(all, w)
	}
	slices.SortFunc(all, func(a, b string) int {
		if df[a] != df[b] {
			return df[b] - df[a]
		}
		return strings.Compare(a, b)
	})
	v := &vocabulary{}
	for _, w := range all {
		n := len([]rune(w))
		switch {
		case n >= 4 && !stopWords[w] && len(v.common) < 40:
			v.common = append(v.common, w)
		case n >= 5 && df[w] >= 2 && df[w] <= 4 && len(v.rare) < 400:
			v.rare = append(v.rare, w)
		}
		if n >= 6 && !stopWords[w] && df[w] >= 2 && len(v.typoBase) < 200 {
			v.typoBase = append(v.typoBase, w)
		}
	}
	if len(v.rare) == 0 { // generated text: every word is common
		v.rare = v.common
	}
	if len(v.typoBase) == 0 {
		v.typoBase = v.common
	}
	return v
}

// typo replaces one inner letter of w with another: one edit, which the search tolerates
// from five letters on.
func typo(r *rand.Rand, w string) string {
	rs := []rune(w)
	if len(rs) < 3 {
		return w
	}
	i := 1 + r.IntN(len(rs)-2)
	for {
		c := rune('a' + r.IntN(26))
		if c != rs[i] {
			rs[i] = c
			return string(rs)
		}
	}
}

// categoryIDs are the complaint form's categories on a fresh installation.
var categoryIDs = func() []string {
	out := make([]string, len(models.DefaultCategories))
	for i, c := range models.DefaultCategories {
		out[i] = c.ID
	}
	return out
}()

// complaintCustomer is the customer (0-4999) filing complaint seq.
func complaintCustomer(seq int) int {
	return rand.New(rand.NewPCG(uint64(seq), 4)).IntN(5000)
}

// complaintClientAddr is the address complaint seq comes from, as a trusted proxy reports it:
// each customer's own, in the range set aside for benchmarks (198.18.0.0/15, RFC 2544).
func complaintClientAddr(seq int) string {
	c := complaintCustomer(seq)
	return fmt.Sprintf("198.18.%d.%d", c/250, c%250+1)
}

// complaint is the public form filled in by customer seq: a real complaint text, about 5,000
// different customers (so some come back), every allowed category, touchpoint and outcome.
func complaint(texts []string, seq int) models.ComplaintCreate {
	r := rand.New(rand.NewPCG(uint64(seq), 4))
	cust := complaintCustomer(seq)
	r.IntN(5000) // complaintCustomer's draw: the rest of the form comes from the same stream
	return models.ComplaintCreate{
		Name:            firstNames[cust%len(firstNames)] + " " + lastNames[(cust/len(firstNames))%len(lastNames)],
		Email:           fmt.Sprintf("complainant%04d@example.com", cust),
		Category:        pick(r, categoryIDs),
		Touchpoint:      pick(r, models.Touchpoints),
		Description:     pick(r, texts),
		ExpectedOutcome: pick(r, models.ExpectedOutcomes),
	}
}
