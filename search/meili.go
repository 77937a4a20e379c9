package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/meilisearch/meilisearch-go"
)

const (
	// meiliMaxTotalHits lifts Meilisearch's default cap of 1,000 reachable hits, so Total is
	// exact and offset paging reaches deep pages of a large inbox.
	meiliMaxTotalHits = 1_000_000

	// meiliTaskPoll is how often a write polls its task until Meilisearch has applied it.
	meiliTaskPoll = 20 * time.Millisecond

	// meiliWriteChunk bounds one documents request.
	meiliWriteChunk = 1000

	// Highlight tags Meilisearch puts around matches: private-use characters that cannot
	// occur in case text, replaced by <mark> after the fragment has been HTML-escaped.
	meiliPreTag  = "\uE000"
	meiliPostTag = "\uE001"

	meiliMsSuffix = "_ms"
	meiliIDField  = "id"
)

// MeiliIndex is the Meilisearch backend. Upsert and Delete wait until Meilisearch has applied
// the write, so a read that follows sees it. It is safe for concurrent use.
type MeiliIndex struct {
	client meilisearch.ServiceManager
	index  meilisearch.IndexManager
	name   string
	text   *textAnalyzers
}

var _ Index = (*MeiliIndex)(nil)

// meiliDoc is a CaseDoc as stored in Meilisearch: keyword fields in indexed form (empty values
// as a sentinel, so filters and facets treat "" as a value), times as RFC 3339 strings to
// rebuild the document exactly plus unix-millisecond numbers to filter and sort on. A zero
// time has no number, so it matches no range and sorts last.
type meiliDoc struct {
	ID              string   `json:"id"`
	Subject         string   `json:"subject"`
	Body            string   `json:"body"`
	CustomerName    string   `json:"customer_name"`
	CustomerEmail   string   `json:"customer_email"`
	CustomerPhone   string   `json:"customer_phone"`
	Lookup          string   `json:"lookup"` // reference and phone forms (lookup.go)
	Status          string   `json:"status"`
	Priority        string   `json:"priority"`
	PriorityRank    int      `json:"priority_rank"`
	Channel         string   `json:"channel"`
	Category        string   `json:"category"`
	Touchpoint      string   `json:"touchpoint"`
	ExpectedOutcome string   `json:"expected_outcome"`
	Tags            []string `json:"tags"`
	AssigneeID      string   `json:"assignee_id"`
	TeamID          string   `json:"team_id"`
	EscalationLevel int      `json:"escalation_level"`
	CreatedAt       string   `json:"created_at"`
	UpdatedAt       string   `json:"updated_at"`
	DueAt           string   `json:"due_at"`
	CreatedAtMs     *int64   `json:"created_at_ms,omitempty"`
	UpdatedAtMs     *int64   `json:"updated_at_ms,omitempty"`
	DueAtMs         *int64   `json:"due_at_ms,omitempty"`
	FollowUpState   string   `json:"follow_up_state"`
	FollowUpDueAt   string   `json:"follow_up_due_at"`
	FollowUpDueAtMs *int64   `json:"follow_up_due_at_ms,omitempty"`
	Version         int64    `json:"version"`
	ReviewSource    string   `json:"review_source"`
	ReviewRating    string   `json:"review_rating"`
	ReviewReply     string   `json:"review_reply"`
	// Stems are the English and Finnish stems of subject and body (rank.go): Meilisearch does
	// not stem, so a search's words are sent stemmed and meet these.
	Stems string `json:"stems"`
	// Recurring issues (issue 15).
	Topics         []string `json:"topics"`
	FollowUpFailed string   `json:"follow_up_failed"`
	ReportedAt     string   `json:"reported_at"`
	ReportedAtMs   *int64   `json:"reported_at_ms,omitempty"`
	// Reports (issue 16): the measures a drill-down filters on, and the whole report row.
	SLAOutcome      string `json:"sla_outcome"`
	FollowUpOutcome string `json:"follow_up_outcome"`
	OptionGranted   string `json:"option_granted"`
	OutcomeGap      string `json:"outcome_gap"`
	ReportRow       string `json:"report_row"`
	// Remedies (issue 13).
	GrantedOptions     []string `json:"granted_options"`
	ApprovalWaitingFor []string `json:"approval_waiting_for"`
	// Journey view (issue 16): per-case measures.
	ResolutionMinutes    int `json:"resolution_minutes"`
	FirstResponseMinutes int `json:"first_response_minutes"`
	Rating               int `json:"rating"`
	Reopened             int `json:"reopened"`
}

// OpenMeili connects to Meilisearch at url and makes sure indexName exists with Kaiku's
// settings (waiting for that to be applied). apiKey may be empty for an unprotected server.
func OpenMeili(ctx context.Context, url, apiKey, indexName string) (*MeiliIndex, error) {
	if indexName == "" {
		return nil, errors.New("search: meilisearch index name is empty")
	}
	var opts []meilisearch.Option
	if apiKey != "" {
		opts = append(opts, meilisearch.WithAPIKey(apiKey))
	}
	an, err := newTextAnalyzers()
	if err != nil {
		return nil, err
	}
	client := meilisearch.New(url, opts...)
	m := &MeiliIndex{client: client, index: client.Index(indexName), name: indexName, text: an}
	if err := m.ensureIndex(ctx); err != nil {
		client.Close()
		return nil, err
	}
	return m, nil
}

func (m *MeiliIndex) ensureIndex(ctx context.Context) error {
	if _, err := m.client.GetIndexWithContext(ctx, m.name); err != nil {
		if !isMeiliCode(err, "index_not_found") {
			return fmt.Errorf("search: meilisearch get index %s: %w", m.name, err)
		}
		info, err := m.client.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: m.name, PrimaryKey: meiliIDField})
		if err != nil {
			return fmt.Errorf("search: meilisearch create index %s: %w", m.name, err)
		}
		// Another replica may have created it meanwhile; that is fine.
		if err := m.wait(ctx, info, "index_already_exists"); err != nil {
			return fmt.Errorf("search: meilisearch create index %s: %w", m.name, err)
		}
	}
	info, err := m.index.UpdateSettingsWithContext(ctx, meiliSettings(m.text))
	if err != nil {
		return fmt.Errorf("search: meilisearch settings %s: %w", m.name, err)
	}
	if err := m.wait(ctx, info); err != nil {
		return fmt.Errorf("search: meilisearch settings %s: %w", m.name, err)
	}
	// Typo tolerance is on by default (one typo from 5 letters, two from 9). It is only
	// written when found off: this client's TypoTolerance carries a field that Meilisearch
	// before v1.15 rejects.
	tt, err := m.index.GetTypoToleranceWithContext(ctx)
	if err != nil {
		return fmt.Errorf("search: meilisearch typo tolerance %s: %w", m.name, err)
	}
	if !tt.Enabled {
		tt.Enabled = true
		info, err := m.index.UpdateTypoToleranceWithContext(ctx, tt)
		if err != nil {
			return fmt.Errorf("search: meilisearch typo tolerance %s: %w", m.name, err)
		}
		if err := m.wait(ctx, info); err != nil {
			return fmt.Errorf("search: meilisearch typo tolerance %s: %w", m.name, err)
		}
	}
	return nil
}

func meiliSettings(an *textAnalyzers) *meilisearch.Settings {
	filterable := append([]string{meiliIDField}, KeywordFields...)
	filterable = append(filterable, IntRangeFields...)
	sortable := []string{meiliIDField, FieldPriorityRank, FieldEscalationLevel}
	for _, f := range timeFields {
		filterable = append(filterable, f+meiliMsSuffix)
		sortable = append(sortable, f+meiliMsSuffix)
	}
	return &meilisearch.Settings{
		// Attribute order is ranking order: a match in the subject beats one in the body.
		SearchableAttributes: []string{fieldSubject, fieldLookup, fieldCustomerName, fieldBody, FieldCustomerEmail, meiliFieldStems},
		FilterableAttributes: filterable,
		SortableAttributes:   sortable,
		// "sort" first: an explicit Sort orders text matches too, as in the Bleve backend.
		// Without a sort parameter the rule does nothing and relevance decides.
		RankingRules: []string{"sort", "words", "typo", "proximity", "attribute", "exactness"},
		// The support vocabulary (thesaurus.go) by stems, as meiliRankedText sends words.
		Synonyms:   an.meiliSynonyms(),
		Pagination: &meilisearch.Pagination{MaxTotalHits: meiliMaxTotalHits},
		Faceting: &meilisearch.Faceting{
			MaxValuesPerFacet: facetSize,
			SortFacetValuesBy: map[string]meilisearch.SortFacetType{"*": meilisearch.SortFacetTypeCount},
		},
	}
}

func isMeiliCode(err error, code string) bool {
	var me *meilisearch.Error
	return errors.As(err, &me) && me.MeilisearchApiError.Code == code
}

// wait blocks until the task has been processed and fails unless it succeeded (or failed
// with one of the tolerated error codes).
func (m *MeiliIndex) wait(ctx context.Context, info *meilisearch.TaskInfo, tolerated ...string) error {
	task, err := m.client.WaitForTaskWithContext(ctx, info.TaskUID, meiliTaskPoll)
	if err != nil {
		return fmt.Errorf("wait for task %d: %w", info.TaskUID, err)
	}
	if task.Status == meilisearch.TaskStatusSucceeded {
		return nil
	}
	for _, code := range tolerated {
		if task.Error.Code == code {
			return nil
		}
	}
	return fmt.Errorf("task %d %s: %s (%s)", info.TaskUID, task.Status, task.Error.Message, task.Error.Code)
}

// validMeiliID reports whether id is a valid Meilisearch document id.
func validMeiliID(id string) bool {
	if id == "" || len(id) > 511 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func toMeiliDoc(d CaseDoc, an *textAnalyzers) meiliDoc {
	ms := func(t time.Time) (string, *int64) {
		t = t.UTC()
		if t.IsZero() {
			return t.Format(time.RFC3339Nano), nil
		}
		v := t.UnixMilli()
		return t.Format(time.RFC3339Nano), &v
	}
	md := meiliDoc{
		ID:              d.ID,
		Subject:         d.Subject,
		Body:            d.Body,
		CustomerName:    d.CustomerName,
		CustomerEmail:   indexedKeyword(d.CustomerEmail),
		CustomerPhone:   d.CustomerPhone,
		Lookup:          lookupText(d),
		Status:          indexedKeyword(d.Status),
		Priority:        indexedKeyword(d.Priority),
		PriorityRank:    d.PriorityRank,
		Channel:         indexedKeyword(d.Channel),
		Category:        indexedKeyword(d.Category),
		Touchpoint:      indexedKeyword(d.Touchpoint),
		ExpectedOutcome: indexedKeyword(d.ExpectedOutcome),
		Tags:            indexedKeywords(d.Tags),
		AssigneeID:      indexedKeyword(d.AssigneeID),
		TeamID:          indexedKeyword(d.TeamID),
		EscalationLevel: d.EscalationLevel,
		FollowUpState:   indexedKeyword(d.FollowUpState),
		Version:         d.Version,
		ReviewSource:    indexedKeyword(d.ReviewSource),
		ReviewRating:    indexedKeyword(d.ReviewRating),
		ReviewReply:     indexedKeyword(d.ReviewReply),
		Topics:          indexedKeywords(d.Topics),
		FollowUpFailed:  indexedKeyword(d.FollowUpFailed),
		SLAOutcome:      indexedKeyword(d.SLAOutcome),
		FollowUpOutcome: indexedKeyword(d.FollowUpOutcome),
		OptionGranted:   indexedKeyword(d.OptionGranted),
		OutcomeGap:      indexedKeyword(d.OutcomeGap),
		ReportRow:       encodeReportRow(d),
		// Remedies (issue 13).
		GrantedOptions:     indexedKeywords(d.GrantedOptions),
		ApprovalWaitingFor: indexedKeywords(d.ApprovalWaitingFor),
		// Journey view (issue 16): the measures as whole numbers, for IntRange.
		ResolutionMinutes: journeyMinutes(d.ResolutionMinutes), FirstResponseMinutes: journeyMinutes(d.FirstResponseMinutes),
		Rating: d.Rating, Reopened: boolInt(d.Reopened),
	}
	md.Stems = an.stems(d.Subject + "\n" + d.Body)
	md.FollowUpDueAt, md.FollowUpDueAtMs = ms(d.FollowUpDueAt)
	md.CreatedAt, md.CreatedAtMs = ms(d.CreatedAt)
	md.UpdatedAt, md.UpdatedAtMs = ms(d.UpdatedAt)
	md.DueAt, md.DueAtMs = ms(d.DueAt)
	md.ReportedAt, md.ReportedAtMs = ms(d.ReportedAt)
	return md
}

func (md meiliDoc) caseDoc() (CaseDoc, error) {
	d := CaseDoc{
		ID:              md.ID,
		Subject:         md.Subject,
		Body:            md.Body,
		CustomerName:    md.CustomerName,
		CustomerEmail:   storedKeyword(md.CustomerEmail),
		CustomerPhone:   md.CustomerPhone,
		Status:          storedKeyword(md.Status),
		Priority:        storedKeyword(md.Priority),
		PriorityRank:    md.PriorityRank,
		Channel:         storedKeyword(md.Channel),
		Category:        storedKeyword(md.Category),
		Touchpoint:      storedKeyword(md.Touchpoint),
		ExpectedOutcome: storedKeyword(md.ExpectedOutcome),
		Tags:            storedKeywords(md.Tags),
		AssigneeID:      storedKeyword(md.AssigneeID),
		TeamID:          storedKeyword(md.TeamID),
		EscalationLevel: md.EscalationLevel,
		FollowUpState:   storedKeyword(md.FollowUpState),
		Version:         md.Version,
		ReviewSource:    storedKeyword(md.ReviewSource),
		ReviewRating:    storedKeyword(md.ReviewRating),
		ReviewReply:     storedKeyword(md.ReviewReply),
		Topics:          storedKeywords(md.Topics),
		FollowUpFailed:  storedKeyword(md.FollowUpFailed),
		// Remedies (issue 13).
		GrantedOptions:     storedKeywords(md.GrantedOptions),
		ApprovalWaitingFor: storedKeywords(md.ApprovalWaitingFor),
	}
	if md.ReportRow != "" {
		r, err := decodeReportRow(md.ReportRow)
		if err != nil {
			return CaseDoc{}, err
		}
		r.copyMeasuresTo(&d)
	}
	if md.FollowUpDueAt == "" { // a document indexed before the field existed
		md.FollowUpDueAt = time.Time{}.Format(time.RFC3339Nano)
	}
	if md.ReportedAt == "" {
		md.ReportedAt = time.Time{}.Format(time.RFC3339Nano)
	}
	for _, f := range []struct {
		s   string
		dst *time.Time
	}{{md.CreatedAt, &d.CreatedAt}, {md.UpdatedAt, &d.UpdatedAt}, {md.DueAt, &d.DueAt}, {md.FollowUpDueAt, &d.FollowUpDueAt}, {md.ReportedAt, &d.ReportedAt}} {
		t, err := time.Parse(time.RFC3339Nano, f.s)
		if err != nil {
			return CaseDoc{}, fmt.Errorf("search: meilisearch document %s: bad time %q", md.ID, f.s)
		}
		*f.dst = t.UTC()
	}
	return d, nil
}

// Upsert replaces the documents and waits until Meilisearch has indexed them.
func (m *MeiliIndex) Upsert(ctx context.Context, docs ...CaseDoc) error {
	if len(docs) == 0 {
		return nil
	}
	mds := make([]meiliDoc, 0, len(docs))
	for _, d := range docs {
		if !validMeiliID(d.ID) {
			return fmt.Errorf("search: upsert: invalid document id %q (Meilisearch allows a-z A-Z 0-9 - _)", d.ID)
		}
		mds = append(mds, toMeiliDoc(d, m.text))
	}
	for start := 0; start < len(mds); start += meiliWriteChunk {
		chunk := mds[start:min(start+meiliWriteChunk, len(mds))]
		info, err := m.index.AddDocumentsWithContext(ctx, chunk, nil)
		if err != nil {
			return fmt.Errorf("search: meilisearch upsert: %w", err)
		}
		if err := m.wait(ctx, info); err != nil {
			return fmt.Errorf("search: meilisearch upsert: %w", err)
		}
	}
	return nil
}

// Delete removes ids and waits until Meilisearch has applied it; unknown ids are ignored.
func (m *MeiliIndex) Delete(ctx context.Context, ids ...string) error {
	ids = uniqueNonEmpty(ids)
	if len(ids) == 0 {
		return nil
	}
	for start := 0; start < len(ids); start += meiliWriteChunk {
		chunk := ids[start:min(start+meiliWriteChunk, len(ids))]
		info, err := m.index.DeleteDocumentsWithContext(ctx, chunk, nil)
		if err != nil {
			return fmt.Errorf("search: meilisearch delete: %w", err)
		}
		if err := m.wait(ctx, info); err != nil {
			return fmt.Errorf("search: meilisearch delete: %w", err)
		}
	}
	return nil
}

// meiliCursor is the offset of the next page and the sort it belongs to.
type meiliCursor struct {
	Sort   string `json:"s"`
	Offset int    `json:"o"`
}

// Search runs q. Pages are requested in Meilisearch's page mode, whose totalHits is exact
// (offset/limit mode only estimates it); the cursor is an encoded offset.
func (m *MeiliIndex) Search(ctx context.Context, q Query) (Result, error) {
	limit, err := checkQuery(q)
	if err != nil {
		return Result{}, err
	}
	text := meiliQueryText(q.Text)
	strategy := meilisearch.All
	if !allWords(q) && text != "" {
		text, strategy = m.text.meiliRankedText(text), meilisearch.Frequency
	}
	sortBy, spec := meiliSort(q.Sort, text != "" && len(q.Sort) == 0)
	offset := 0
	if q.Cursor != "" {
		var c meiliCursor
		if err := decodeCursor(q.Cursor, &c); err != nil {
			return Result{}, err
		}
		if c.Sort != spec || c.Offset < 0 {
			return Result{}, badQuery("cursor belongs to another sort order")
		}
		offset = c.Offset
	}

	// Page mode addresses pages of a fixed size. A cursor made with the same limit always
	// lands on a page boundary; otherwise fetch from the start and cut.
	perPage, page, skip := limit, offset/limit+1, 0
	if offset%limit != 0 {
		perPage, page, skip = offset+limit, 1, offset
	}
	hpp := int64(perPage)
	req := &meilisearch.SearchRequest{
		Query:            text,
		Filter:           meiliFilter(q),
		Sort:             sortBy,
		Facets:           q.Facets,
		MatchingStrategy: strategy, // all words, or the rarest first (more words rank first)
		ShowRankingScore: true,
		HitsPerPage:      &hpp,
		Page:             int64(page),
	}
	if q.Highlight && text != "" {
		req.AttributesToHighlight = highlightFields
		req.HighlightPreTag = meiliPreTag
		req.HighlightPostTag = meiliPostTag
		req.AttributesToCrop = []string{fieldBody}
		req.CropLength = 30
	}
	resp, err := m.index.SearchWithContext(ctx, "", req)
	if err != nil {
		return Result{}, fmt.Errorf("search: meilisearch search: %w", err)
	}

	out := Result{Total: int(resp.TotalHits)}
	hits := resp.Hits
	if skip > 0 {
		hits = hits[min(skip, len(hits)):]
	}
	for _, h := range hits {
		var md meiliDoc
		if err := h.DecodeInto(&md); err != nil {
			return Result{}, fmt.Errorf("search: meilisearch hit: %w", err)
		}
		doc, err := md.caseDoc()
		if err != nil {
			return Result{}, err
		}
		hit := Hit{Doc: doc}
		if raw, ok := h["_rankingScore"]; ok {
			_ = json.Unmarshal(raw, &hit.Score)
		}
		if req.AttributesToHighlight != nil {
			hit.Highlights = meiliHighlights(h["_formatted"])
		}
		out.Hits = append(out.Hits, hit)
	}
	if next := offset + len(out.Hits); len(out.Hits) > 0 && next < out.Total {
		out.NextCursor = encodeCursor(meiliCursor{Sort: spec, Offset: next})
	}
	if len(q.Facets) > 0 {
		var dist map[string]map[string]int
		if len(resp.FacetDistribution) > 0 {
			if err := json.Unmarshal(resp.FacetDistribution, &dist); err != nil {
				return Result{}, fmt.Errorf("search: meilisearch facets: %w", err)
			}
		}
		out.Facets = make(map[string][]FacetValue, len(q.Facets))
		for _, f := range q.Facets {
			var vs []FacetValue
			for v, n := range dist[f] {
				vs = append(vs, FacetValue{Value: storedKeyword(v), Count: n})
			}
			out.Facets[f] = sortFacet(vs)
		}
	}
	return out, nil
}

// Count returns the number of documents matching q's filters and ranges.
func (m *MeiliIndex) Count(ctx context.Context, q Query) (int, error) {
	if err := checkFilterQuery(q); err != nil {
		return 0, err
	}
	zero := int64(0)
	resp, err := m.index.SearchWithContext(ctx, "", &meilisearch.SearchRequest{
		Filter:      meiliFilter(q),
		HitsPerPage: &zero, // no hits, exact totalHits
		Page:        1,
	})
	if err != nil {
		return 0, fmt.Errorf("search: meilisearch count: %w", err)
	}
	return int(resp.TotalHits), nil
}

// CountSince asks for one count per time: Meilisearch has no range facets.
func (m *MeiliIndex) CountSince(ctx context.Context, q Query, field string, since []time.Time) ([]int, error) {
	if err := checkCountSince(q, field, since); err != nil {
		return nil, err
	}
	out := make([]int, len(since))
	for i, t := range since {
		window := q
		window.Ranges = append(slices.Clip(q.Ranges), TimeRange{Field: field, From: t})
		n, err := m.Count(ctx, window)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// Versions fetches the ids' versions with a filter on id.
func (m *MeiliIndex) Versions(ctx context.Context, ids []string) (map[string]int64, error) {
	out := make(map[string]int64, len(ids))
	var valid []string
	for _, id := range uniqueNonEmpty(ids) {
		if validMeiliID(id) { // an invalid id cannot be indexed, so it is simply absent
			valid = append(valid, id)
		}
	}
	for start := 0; start < len(valid); start += maxLimit {
		chunk := valid[start:min(start+maxLimit, len(valid))]
		var res meilisearch.DocumentsResult
		err := m.index.GetDocumentsWithContext(ctx, &meilisearch.DocumentsQuery{
			Filter: meiliIn(meiliIDField, chunk, false),
			Fields: []string{meiliIDField, "version"},
			Limit:  int64(len(chunk)),
		}, &res)
		if err != nil {
			return nil, fmt.Errorf("search: meilisearch versions: %w", err)
		}
		for _, h := range res.Results {
			var v struct {
				ID      string `json:"id"`
				Version int64  `json:"version"`
			}
			if err := h.DecodeInto(&v); err != nil {
				return nil, fmt.Errorf("search: meilisearch versions: %w", err)
			}
			out[v.ID] = v.Version
		}
	}
	return out, nil
}

// ReportRows pages through the matching documents' report rows (Meilisearch has no column
// read; the documents route returns only the fields asked for).
func (m *MeiliIndex) ReportRows(ctx context.Context, q Query) (*ReportRowSet, error) {
	if err := checkFilterQuery(q); err != nil {
		return nil, err
	}
	dict := newValueDict() // numbers this call's values
	dict.mu.Lock()
	defer dict.mu.Unlock()
	out := &ReportRowSet{}
	for offset := int64(0); ; offset += meiliWriteChunk {
		var res meilisearch.DocumentsResult
		dq := &meilisearch.DocumentsQuery{Fields: []string{fieldReportRow}, Limit: meiliWriteChunk, Offset: offset}
		if f := meiliFilter(q); f != nil {
			dq.Filter = f
		}
		if err := m.index.GetDocumentsWithContext(ctx, dq, &res); err != nil {
			return nil, fmt.Errorf("search: meilisearch report rows: %w", err)
		}
		for _, h := range res.Results {
			var v struct {
				Row string `json:"report_row"`
			}
			if err := h.DecodeInto(&v); err != nil {
				return nil, fmt.Errorf("search: meilisearch report rows: %w", err)
			}
			var r ReportRow
			if err := decodeRowInto([]byte(v.Row), dict, &r); err != nil {
				return nil, err
			}
			out.Rows = append(out.Rows, r)
		}
		if len(res.Results) < meiliWriteChunk {
			out.Values = dict.values
			return out, nil
		}
	}
}

// Flush is immediate: Upsert and Delete return once Meilisearch has processed their task.
func (m *MeiliIndex) Flush(ctx context.Context) error {
	return nil // Upsert and Delete wait for Meilisearch to finish their task
}

// DocCount is the number of documents in the index.
func (m *MeiliIndex) DocCount(ctx context.Context) (int, error) {
	st, err := m.index.GetStatsWithContext(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("search: meilisearch stats: %w", err)
	}
	return int(st.NumberOfDocuments), nil
}

// Ping checks that Meilisearch answers and is available.
func (m *MeiliIndex) Ping(ctx context.Context) error {
	h, err := m.client.HealthWithContext(ctx)
	if err != nil {
		return fmt.Errorf("search: meilisearch health: %w", err)
	}
	if h.Status != "available" {
		return fmt.Errorf("search: meilisearch status %q", h.Status)
	}
	return nil
}

// Close releases idle connections; the index itself lives on in Meilisearch.
func (m *MeiliIndex) Close() error {
	m.client.Close()
	return nil
}

// DeleteIndex removes the whole index from Meilisearch and waits for it (tests use it to
// clean up; an operator can use it to force a rebuild).
func (m *MeiliIndex) DeleteIndex(ctx context.Context) error {
	info, err := m.client.DeleteIndexWithContext(ctx, m.name)
	if err != nil {
		return fmt.Errorf("search: meilisearch delete index %s: %w", m.name, err)
	}
	if err := m.wait(ctx, info, "index_not_found"); err != nil {
		return fmt.Errorf("search: meilisearch delete index %s: %w", m.name, err)
	}
	return nil
}

// meiliQueryText neutralises Meilisearch's query syntax ("phrases" and -negation), which the
// Bleve backend does not have, so a query means the same on both. Text without letters or
// digits is no text at all, as in the Bleve backend.
func meiliQueryText(text string) string {
	text = lookupQuery(text)
	var words []string
	for _, w := range strings.Fields(strings.ReplaceAll(text, `"`, " ")) {
		if w = strings.TrimLeft(w, "-"); w != "" {
			words = append(words, w)
		}
	}
	text = strings.Join(words, " ")
	if !strings.ContainsFunc(text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return ""
	}
	return text
}

// meiliSort returns the sort parameter and a string naming it (bound into cursors). With
// relevance (text, no Sort) no sort parameter is sent; without text and Sort the newest
// activity comes first. ID is always the final key.
func meiliSort(sorts []Sort, relevance bool) ([]string, string) {
	if relevance {
		return nil, "-_score,_id"
	}
	if len(sorts) == 0 {
		sorts = []Sort{{Field: FieldUpdatedAt, Desc: true}}
	}
	var out, spec []string
	for _, s := range sorts {
		attr := s.Field
		if isTimeField(attr) {
			attr += meiliMsSuffix
		}
		dir := "asc"
		if s.Desc {
			dir = "desc"
			spec = append(spec, "-"+s.Field)
		} else {
			spec = append(spec, s.Field)
		}
		out = append(out, attr+":"+dir)
	}
	out = append(out, meiliIDField+":asc")
	spec = append(spec, "_id")
	return out, strings.Join(spec, ",")
}

// meiliFilter builds the filter expression. Attribute names come only from the validated
// field lists; every value is quoted and escaped by meiliQuote. nil means no filter.
func meiliFilter(q Query) any {
	var parts []string
	for _, f := range q.Filters {
		vals := make([]string, 0, len(f.Values))
		for _, v := range f.Values {
			vals = append(vals, indexedKeyword(v))
		}
		parts = append(parts, meiliIn(f.Field, vals, f.Negate))
	}
	for _, r := range q.Ranges {
		attr := r.Field + meiliMsSuffix
		if r.From.IsZero() && r.To.IsZero() {
			parts = append(parts, attr+" EXISTS")
		}
		if !r.From.IsZero() {
			parts = append(parts, attr+" >= "+strconv.FormatInt(r.From.UnixMilli(), 10))
		}
		if !r.To.IsZero() {
			parts = append(parts, attr+" < "+strconv.FormatInt(r.To.UnixMilli(), 10))
		}
	}
	for _, r := range q.IntRanges {
		if r.From > 0 {
			parts = append(parts, r.Field+" >= "+strconv.Itoa(r.From))
		}
		if r.To > 0 {
			parts = append(parts, r.Field+" < "+strconv.Itoa(r.To))
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return strings.Join(parts, " AND ")
}

// meiliIn renders `attr IN [...]` (or NOT IN) with quoted values.
func meiliIn(attr string, values []string, negate bool) string {
	quoted := make([]string, 0, len(values))
	for _, v := range uniqueStrings(values) {
		quoted = append(quoted, meiliQuote(v))
	}
	op := " IN ["
	if negate {
		op = " NOT IN ["
	}
	return attr + op + strings.Join(quoted, ", ") + "]"
}

// meiliQuote makes v a double-quoted filter string: Meilisearch (v1.4+) unescapes \" and \\.
func meiliQuote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// meiliHighlights turns _formatted fields that contain a match into escaped HTML with <mark>.
func meiliHighlights(raw json.RawMessage) map[string][]string {
	out := map[string][]string{}
	if len(raw) == 0 {
		return out
	}
	var formatted map[string]json.RawMessage
	if err := json.Unmarshal(raw, &formatted); err != nil {
		return out
	}
	for _, f := range highlightFields {
		var s string
		if err := json.Unmarshal(formatted[f], &s); err != nil || !strings.Contains(s, meiliPreTag) {
			continue
		}
		s = html.EscapeString(s)
		s = strings.ReplaceAll(s, meiliPreTag, "<mark>")
		s = strings.ReplaceAll(s, meiliPostTag, "</mark>")
		out[f] = []string{s}
	}
	return out
}
