package topics_test

import (
	"fmt"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/topics"
)

// fixture is a small corpus of three recurring problems, in English and Finnish, each worded
// several ways (with order numbers that must not become topics).
func fixture() (texts []string, kinds []string) {
	add := func(kind string, ts ...string) {
		for i := 0; i < 4; i++ {
			for _, t := range ts {
				texts = append(texts, fmt.Sprintf("%s (order %d)", t, 1000+len(texts)))
				kinds = append(kinds, kind)
			}
		}
	}
	add("charged",
		"My card was charged twice for one purchase and the double charge is still there.",
		"The store charged my credit card twice for the same order, a double charge.",
		"Card charged twice for a single purchase; refund the duplicate charge.")
	add("delivery",
		"The parcel delivery was late and the courier lost the parcel.",
		"Late delivery again, the courier left the parcel outside in the rain.",
		"My parcel delivery is two weeks late and the courier does not answer.")
	add("laskutus",
		"Laskussa oli virheellinen summa ja laskutus veloitti liikaa.",
		"Virheellinen lasku: laskutus veloitti kuukausimaksun kahteen kertaan.",
		"Sain taas virheellisen laskun, laskutus veloitti väärän summan.")
	return texts, kinds
}

func TestLearnGroupsRecurringProblemsAndAssignsNewTexts(t *testing.T) {
	texts, kinds := fixture()
	a := topics.NewAnalyzer()
	m := topics.Learn(a, texts, topics.LearnOptions{Topics: 3})
	if len(m.Topics) != 3 {
		t.Fatalf("%d topics, want 3: %+v", len(m.Topics), m.Topics)
	}
	byKind := map[string]map[string]int{}
	for i, text := range texts {
		ids := m.Assign(a, text)
		if len(ids) != 1 {
			t.Fatalf("%q: topics %v, want one", text, ids)
		}
		if byKind[kinds[i]] == nil {
			byKind[kinds[i]] = map[string]int{}
		}
		byKind[kinds[i]][ids[0]]++
	}
	seen := map[string]string{}
	for kind, ids := range byKind {
		if len(ids) != 1 {
			t.Errorf("%s texts spread over topics %v", kind, ids)
		}
		for id := range ids {
			if other, ok := seen[id]; ok {
				t.Errorf("topic %s holds both %s and %s", id, kind, other)
			}
			seen[id] = kind
		}
	}
	for _, tp := range m.Topics {
		if tp.Name == "" || tp.ID != topics.Slug(tp.Name) {
			t.Errorf("topic %+v: a readable name and an id made from it", tp)
		}
		for _, r := range tp.Name {
			if r >= '0' && r <= '9' {
				t.Errorf("topic name %q has a number in it", tp.Name)
			}
		}
	}
	// New texts, worded otherwise (and inflected in Finnish), join their topic.
	charged := m.Assign(a, "They charged my card twice!")
	if len(charged) != 1 || seen[charged[0]] != "charged" {
		t.Errorf("a new charged-twice text went to %v (%s)", charged, seen[charged[0]])
	}
	bill := m.Assign(a, "Virheellisestä laskusta veloitettiin liikaa")
	if len(bill) != 1 || seen[bill[0]] != "laskutus" {
		t.Errorf("a new Finnish billing text went to %v", bill)
	}
	if got := m.Assign(a, "Hello."); got != nil {
		t.Errorf("a text with no content words got topics %v", got)
	}
	// Learning is deterministic: the same corpus gives the same ids.
	again := topics.Learn(a, texts, topics.LearnOptions{Topics: 3})
	for i := range m.Topics {
		if again.Topics[i].ID != m.Topics[i].ID {
			t.Errorf("relearning changed topic %d: %s -> %s", i, m.Topics[i].ID, again.Topics[i].ID)
		}
	}
}

// A narrative with a topic's words but none of its phrases is like the topic without being
// about its problem: it stays out rather than swelling the topic (Topic.Keys). (The fixture's
// texts are short; ShortWords -1 holds them to the narratives' rules.)
func TestAssignWantsOneOfTheTopicsPhrases(t *testing.T) {
	texts, _ := fixture()
	a := topics.NewAnalyzer()
	m := topics.Learn(a, texts, topics.LearnOptions{Topics: 3, ShortWords: -1})
	twice := m.Assign(a, "Charged twice for a purchase: refund the double charge!")
	if len(twice) != 1 {
		t.Fatalf("a charged-twice text got topics %v, want one", twice)
	}
	if got := m.Assign(a, "Purchase? Refund. Twice, charge, double, charged."); got != nil {
		t.Errorf("a text with the topic's words in no phrase got topics %v", got)
	}
}

// A narrative as like two topics as one reads like both problems: it stays out of both rather
// than being guessed into one (LearnOptions.MinMargin; ShortWords -1 as above).
func TestAssignLeavesATextAsLikeTwoTopicsOut(t *testing.T) {
	texts, _ := fixture()
	a := topics.NewAnalyzer()
	m := topics.Learn(a, texts, topics.LearnOptions{Topics: 3, ShortWords: -1})
	both := "Double charge and late delivery."
	if got := m.Assign(a, both); got != nil {
		t.Errorf("a text about a double charge and a late parcel alike got topics %v", got)
	}
	if got := m.Assign(a, "The parcel delivery was late and the courier lost the parcel."); len(got) != 1 {
		t.Errorf("a late-parcel text got topics %v, want one", got)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"card charged twice": "card-charged-twice", "Väärä  lasku!": "väärä-lasku", "": ""} {
		if got := topics.Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
