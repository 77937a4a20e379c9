package models

import (
	"strings"
	"testing"
)

func TestStaleVersionNamesWhatChanged(t *testing.T) {
	for _, what := range []string{"case", "webhook"} {
		e := StaleVersion(what, 7)
		if e.Kind != KindConflict || e.Code != "version_conflict" || !strings.HasPrefix(e.Message, "the "+what+" was changed") || !strings.Contains(e.Message, "version 7") {
			t.Errorf("StaleVersion(%q, 7) = %+v", what, e)
		}
	}
}
