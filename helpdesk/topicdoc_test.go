package helpdesk_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
	"github.com/kaiku-helpdesk/kaiku/topics"
)

// Topics group a review by what was wrong: a review written in two sides by its negative one
// (the praise beside it outweighed a short complaint), any other by its title and text (not its
// subject, which repeats the place and the first words); a complaint by its subject and
// description. Reviews and complaints are told apart, as they are learned apart.
func TestTopicDocIsWhatTheCustomerSaysWentWrong(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	src := &models.ReviewSource{ID: "src", Name: "Booking.com", Kind: models.SourceBooking, ScaleMax: 10}
	sided := helpdesk.NewReviewCase("R-1", src, reviews.Item{Rating: 3, Place: "Hotel Aalto",
		Negative: "Noisy room next to the lift", Positive: "Lovely breakfast and great location",
		Text: reviews.JoinSides("Lovely breakfast and great location", "Noisy room next to the lift")}, now)
	d := helpdesk.TopicDoc(sided)
	if d.Kind != topics.KindReview || !strings.Contains(d.Text, "Noisy room next to the lift") ||
		strings.Contains(d.Text, "breakfast") || strings.Contains(d.Text, "Aalto") {
		t.Errorf("two-sided review: %+v, want its negative side only, as a review", d)
	}
	praise := helpdesk.NewReviewCase("R-2", src, reviews.Item{Rating: 10, Positive: "Everything was perfect", Text: "Everything was perfect"}, now)
	if d := helpdesk.TopicDoc(praise); strings.TrimSpace(d.Text) != "" {
		t.Errorf("a review with only praise gave topics %q to group", d.Text)
	}
	plain := helpdesk.NewReviewCase("R-3", src, reviews.Item{Rating: 2, Title: "Cold rooms", Text: "The heating never worked."}, now)
	if d := helpdesk.TopicDoc(plain); d.Kind != topics.KindReview || d.Text != "Cold rooms\nThe heating never worked." {
		t.Errorf("one-sided review: %+v, want its title and text", d)
	}
	complaint := models.NewCase("K-1", models.CaseCreate{Subject: "Charged twice", Description: "My card was charged twice.",
		Customer: models.CustomerCreate{Name: "A", Email: "a@example.com"}, Channel: models.ChannelWebForm}, models.Actor{Name: "web"}, now)
	if d := helpdesk.TopicDoc(complaint); d.Kind != topics.KindComplaint || d.Text != "Charged twice\nMy card was charged twice." {
		t.Errorf("complaint: %+v, want its subject and description", d)
	}
}
