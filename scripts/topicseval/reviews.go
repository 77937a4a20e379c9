package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
	topicspkg "github.com/kaiku-helpdesk/kaiku/topics"
)

const (
	bookingFile = "booking_hotel_reviews_sample.csv"
	// lowRating is the normalised rating (of 5) at or under which a review is negative: the
	// shipped "Low-rated review" rule's threshold.
	lowRating      = 2
	minReviewShare = 0.7 // of the negative reviews in a topic
	reviewTopics   = 10  // largest review topics printed with snippets
	snippets       = 3
)

// review is one imported review: the text topics see (helpdesk.CustomerText of the case
// the product files for it) and what a reader judges the topic by (its negative side).
type review struct {
	doc      topicspkg.Doc
	negative string
	rating   int // normalised 1-5
}

func (r review) isNegative() bool { return r.rating <= lowRating && r.negative != "" }

// readReviews reads the Booking.com file as Kaiku's review import does (the preset the
// columns match, row by row) and builds each review's case as the product does.
func readReviews(path string) ([]review, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	table, err := reviews.ReadTable(raw)
	if err != nil {
		return nil, err
	}
	preset, mapping := reviews.Guess(table.Headers)
	if preset != "booking" {
		return nil, fmt.Errorf("%s: columns of %q, not Booking.com's", path, preset)
	}
	src := &models.ReviewSource{ID: "booking", Name: "Booking.com", Kind: models.SourceBooking, ScaleMax: 10}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []review
	for i, row := range table.Rows {
		it, errs := reviews.MapRow(table.Headers, row, mapping, src.ScaleMax)
		if len(errs) > 0 {
			continue // the import leaves such a row out too
		}
		c := helpdesk.NewReviewCase(fmt.Sprintf("R-%d", i), src, it, now)
		out = append(out, review{doc: helpdesk.TopicDoc(c), negative: it.Negative, rating: c.Review.Rating})
	}
	return out, nil
}

func findBooking(csvPath string) (string, error) {
	p := filepath.Join(filepath.Dir(csvPath), bookingFile)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s not found beside the CFPB file: %w", bookingFile, err)
	}
	return p, nil
}

// learnAssign learns a model from docs as Kaiku does (each kind apart) and gives each its
// topic ("" for none).
func learnAssign(docs []topicspkg.Doc, o topicspkg.LearnOptions) (*topicspkg.Model, []string) {
	a := topicspkg.NewAnalyzer()
	m := topicspkg.LearnKinds(a, docs, o)
	out := make([]string, len(docs))
	for i, d := range docs {
		if ids := m.AssignDoc(a, d); len(ids) > 0 {
			out[i] = ids[0]
		}
	}
	return m, out
}

// reviewFigures are what the review report measures.
type reviewFigures struct {
	negative, covered int // negative reviews, and those in a topic
	sided, sidedIn    int // reviews with a negative side, and those in a topic
	topics            int
}

func (f reviewFigures) share() float64 { return float64(f.covered) / float64(max(1, f.negative)) }

// reportReviews prints how many negative reviews are in a topic, and the largest topics by
// negative reviews with a few of their negative sides, so a reader can judge whether each is
// one problem. assigned holds each review's topic; complaints, when given, each complaint's
// (the mixed corpus), to count the topics that hold both.
func reportReviews(title string, m *topicspkg.Model, rs []review, assigned, complaints []string) reviewFigures {
	f := reviewFigures{topics: len(m.Topics)}
	members := map[string][]int{}
	all := map[string]int{}
	for i, r := range rs {
		if r.negative != "" {
			f.sided++
			if assigned[i] != "" {
				f.sidedIn++
			}
		}
		if assigned[i] != "" {
			all[assigned[i]]++
		}
		if !r.isNegative() {
			continue
		}
		f.negative++
		if assigned[i] != "" {
			f.covered++
			members[assigned[i]] = append(members[assigned[i]], i)
		}
	}
	fmt.Printf("\n%s: %d topics; negative reviews (rating <= %d of 5, a negative side) in a topic: %d of %d (%.0f%%, want >= %.0f%%); reviews with a negative side in a topic: %d of %d (%.0f%%)\n",
		title, f.topics, lowRating, f.covered, f.negative, 100*f.share(), 100*minReviewShare, f.sidedIn, f.sided, 100*float64(f.sidedIn)/float64(max(1, f.sided)))
	if complaints != nil {
		withComplaints := map[string]int{}
		for _, id := range complaints {
			if id != "" {
				withComplaints[id]++
			}
		}
		both := 0
		for id, n := range all {
			if c := withComplaints[id]; c > 0 && min(c, n) >= max(c, n)/10 {
				both++
			}
		}
		fmt.Printf("topics holding both complaints and reviews (the fewer at least a tenth of the other): %d\n", both)
	}
	ids := make([]string, 0, len(members))
	for id := range members {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		return len(members[ids[i]]) > len(members[ids[j]]) || (len(members[ids[i]]) == len(members[ids[j]]) && ids[i] < ids[j])
	})
	for i, id := range ids[:min(reviewTopics, len(ids))] {
		t, _ := m.Topic(id)
		fmt.Printf("%2d. %-28s %3d negative reviews (%d reviews)  [%s]\n", i+1, t.Name, len(members[id]), all[id], strings.Join(t.Phrases, ", "))
		ms := members[id]
		for s := range min(snippets, len(ms)) {
			// Spread over the members, not the first few of the file.
			fmt.Printf("      - %s\n", clip(rs[ms[s*len(ms)/snippets]].negative, 100))
		}
	}
	return f
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
