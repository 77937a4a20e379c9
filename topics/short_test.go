package topics_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/topics"
)

// shortFixture is a small corpus of review lines: three recurring problems, each worded
// several ways in a few words, some lines naming two problems, as short reviews do.
func shortFixture() (texts, problems []string) {
	lines := map[string][]string{
		"noise": {
			"Noisy room", "The room was very noisy at night", "Noisy street all night long",
			"Thin walls and a noisy corridor", "Noisy air conditioning unit", "So noisy we could not sleep",
		},
		"breakfast": {
			"Cold breakfast", "Breakfast was poor and overpriced", "The breakfast buffet ran out of food",
			"Small breakfast choice", "Breakfast room too crowded", "Overpriced breakfast, cold coffee",
		},
		"staff": {
			"Rude staff at reception", "Reception staff unfriendly", "Staff rude and unhelpful",
			"Unhelpful reception desk", "The reception staff ignored us", "Rude and slow front desk staff",
		},
	}
	for round := 0; round < 4; round++ {
		for _, p := range []string{"noise", "breakfast", "staff"} {
			for _, l := range lines[p] {
				texts = append(texts, fmt.Sprintf("%s (room %d)", l, 100+len(texts)))
				problems = append(problems, p)
			}
		}
		texts = append(texts, "Noisy room and a cold breakfast", "Rude reception staff, noisy room")
		problems = append(problems, "noise+breakfast", "staff+noise")
	}
	return texts, problems
}

// Short texts (a review's line) get a topic: most of the corpus's lines, and new ones worded
// otherwise, each in the topic of its problem, and a line naming two problems in one of theirs.
// Held to the narratives' rules (a margin between the two nearest topics, a characteristic word
// pair) most of them stayed out of every topic.
func TestShortTextsJoinTheTopicOfTheirProblem(t *testing.T) {
	texts, problems := shortFixture()
	a := topics.NewAnalyzer()
	m := topics.Learn(a, texts, topics.LearnOptions{Topics: 3})
	if len(m.Topics) != 3 {
		t.Fatalf("%d topics, want 3: %+v", len(m.Topics), m.Topics)
	}
	byProblem := map[string]map[string]int{} // single problem -> topic -> lines
	covered, single := 0, 0
	for i, text := range texts {
		ids := m.Assign(a, text)
		if len(ids) > 1 {
			t.Fatalf("%q: topics %v, want at most one", text, ids)
		}
		if len(ids) == 0 || strings.Contains(problems[i], "+") {
			continue
		}
		if byProblem[problems[i]] == nil {
			byProblem[problems[i]] = map[string]int{}
		}
		byProblem[problems[i]][ids[0]]++
	}
	topicOf := map[string]string{}
	for i, text := range texts {
		if slices.Contains([]string{"noise", "breakfast", "staff"}, problems[i]) {
			single++
			if len(m.Assign(a, text)) == 1 {
				covered++
			}
		}
	}
	if covered < single*9/10 {
		t.Errorf("%d of %d one-problem lines in a topic, want at least nine in ten", covered, single)
	}
	for p, ids := range byProblem {
		best, n, all := "", 0, 0
		for id, c := range ids {
			all += c
			if c > n {
				best, n = id, c
			}
		}
		if n*10 < all*9 {
			t.Errorf("%s lines spread over topics %v", p, ids)
		}
		if other, ok := topicOf[best]; ok {
			t.Errorf("topic %s holds both %s and %s", best, p, other)
		}
		topicOf[best] = p
	}
	problemOf := func(text string) string {
		ids := m.Assign(a, text)
		if len(ids) != 1 {
			return fmt.Sprint(ids)
		}
		return topicOf[ids[0]]
	}
	for text, want := range map[string]string{
		"Very noisy at night":                    "noise",
		"Rude staff":                             "staff",
		"Poor breakfast":                         "breakfast",
		"The staff at reception were rude to us": "staff",
	} {
		if got := problemOf(text); got != want {
			t.Errorf("%q went to %s, want %s", text, got, want)
		}
	}
	if got := problemOf("Noisy room and rude staff"); got != "noise" && got != "staff" {
		t.Errorf("a line naming noise and rude staff went to %s, want one of the two", got)
	}
	if got := m.Assign(a, "Thank you"); got != nil {
		t.Errorf("a line naming no problem got topics %v", got)
	}
}

// Complaints and reviews are learned apart: the complaints' topics are those they would have
// alone, a review never joins a complaint topic (nor the reverse), a kind the model has not
// learned gets none, and a stored model (JSON) assigns as the one learned.
func TestLearnKindsLearnsComplaintsAndReviewsApart(t *testing.T) {
	complaints, _ := fixture()
	reviews, _ := shortFixture()
	var docs []topics.Doc
	for i := range max(len(complaints), len(reviews)) {
		if i < len(complaints) {
			docs = append(docs, topics.Doc{Kind: topics.KindComplaint, Text: complaints[i]})
		}
		if i < len(reviews) {
			docs = append(docs, topics.Doc{Kind: topics.KindReview, Text: reviews[i]})
		}
	}
	a := topics.NewAnalyzer()
	m := topics.LearnKinds(a, docs, topics.LearnOptions{Topics: 3})
	alone := topics.Learn(a, complaints, topics.LearnOptions{Topics: 3})
	kindOf := map[string]string{}
	for _, tp := range m.Topics {
		if _, dup := kindOf[tp.ID]; dup {
			t.Errorf("two topics with id %s", tp.ID)
		}
		kindOf[tp.ID] = tp.Kind
	}
	if len(m.Topics) != 6 {
		t.Fatalf("%d topics, want 3 of each kind: %+v", len(m.Topics), m.Topics)
	}
	for _, text := range complaints {
		got, want := m.AssignDoc(a, topics.Doc{Kind: topics.KindComplaint, Text: text}), alone.Assign(a, text)
		if !slices.Equal(got, want) {
			t.Errorf("complaint %q: topics %v among reviews, %v alone", text, got, want)
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var stored topics.Model
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		got := m.AssignDoc(a, d)
		for _, id := range got {
			if kindOf[id] != d.Kind {
				t.Errorf("%s %q joined %s topic %s", d.Kind, d.Text, kindOf[id], id)
			}
		}
		if again := stored.AssignDoc(a, d); !slices.Equal(got, again) {
			t.Errorf("%q: topics %v learned, %v stored", d.Text, got, again)
		}
	}
	if got := m.AssignDoc(a, topics.Doc{Kind: "chat", Text: "Noisy room"}); got != nil {
		t.Errorf("a kind never learned got topics %v", got)
	}
}

// Among narratives a short line keeps the narratives' rules: one as like two topics as the
// other stays out of both, where among short texts it joins one of them.
func TestShortTextAmongNarrativesKeepsTheirRules(t *testing.T) {
	texts, kinds := fixture()
	byKind := map[string][]string{}
	for i, text := range texts {
		byKind[kinds[i]] = append(byKind[kinds[i]], text)
	}
	var narratives []string
	for _, kind := range []string{"charged", "delivery", "laskutus"} {
		ts := byKind[kind]
		for i := range ts {
			narratives = append(narratives, ts[i]+" "+ts[(i+1)%len(ts)]+" "+ts[(i+2)%len(ts)]+
				" I have been a loyal customer for years and expected better service; please look into this matter quickly.")
		}
	}
	a := topics.NewAnalyzer()
	line := "Double charge and late delivery."
	if got := topics.Learn(a, narratives, topics.LearnOptions{Topics: 3}).Assign(a, line); got != nil {
		t.Errorf("among narratives, a line about a double charge and a late parcel alike got topics %v", got)
	}
	if got := topics.Learn(a, texts, topics.LearnOptions{Topics: 3}).Assign(a, line); len(got) != 1 {
		t.Errorf("among short texts, a line about a double charge and a late parcel got topics %v, want one", got)
	}
}
