package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fi"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

const (
	bleveTextAnalyzer = "kaiku_text"

	// bleveMappingVersion is kept inside the index; bump it whenever the mapping or the
	// indexed document shape changes, so an old index is detected instead of misread.
	bleveMappingVersion = "kaiku-5"
	bleveMetaKey        = "kaiku_mapping_version"

	// Hidden fields: the analysed email for text search, the JSON of everything needed to
	// rebuild a CaseDoc besides the stored text fields, and the ID as a sort key.
	bleveFieldEmailText = "email_text"
	bleveFieldSource    = "src"
	bleveFieldSortID    = "sk_id"

	// maxQueryTerms bounds the work one text query can cause.
	maxQueryTerms = 16
)

// bleveTextFields are searched by Text, each with its weight.
var bleveTextFields = []struct {
	name  string
	boost float64
}{
	{fieldSubject, 3},
	{fieldLookup, 3},
	{fieldCustomerName, 2},
	{fieldBody, 1},
	{bleveFieldEmailText, 1},
}

// Sort keys are single keyword terms whose byte order is the wanted order. Bleve's numeric
// and date fields keep several precision terms per value in their doc values, and sorting by
// _id reads stored fields; one term per key makes field sorts several times cheaper (and
// SearchAfter then only ever compares plain strings).
func bleveSortKey(field string, desc bool) string {
	if isTimeField(field) {
		// Separate keys per direction, so an absent time sorts last both ways.
		if desc {
			return "sk_desc_" + field
		}
		return "sk_asc_" + field
	}
	return "sk_" + field
}

// sortableInt encodes v so that byte order is numeric order, negatives included.
func sortableInt(v int64) string {
	return fmt.Sprintf("%016x", uint64(v)^(1<<63))
}

// Bleve cannot index times outside int64 nanoseconds; such times are clamped.
var (
	bleveMinTime = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
	bleveMaxTime = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

// BleveIndex is the embedded search backend: a Bleve (scorch) index in one directory.
// It is safe for concurrent use.
type BleveIndex struct {
	idx     bleve.Index
	text    *textAnalyzers
	durable *persistence

	// gen counts the batches applied: a new generation once a batch is searchable.
	gen         atomic.Uint64
	cache       *aggregateCache
	narrowAbove int             // lists with more matches are narrowed to recent ones (narrowAbove)
	rows        *reportRowCache // Reports (issue 16): report rows decoded per segment

	// sortCols keeps the sort keys of lists sorted by a number, decoded per segment.
	sortCols *sortColumnCache
}

// bleveRuntimeConfig makes batches return once searchable rather than once on disk: the
// persister then writes the segments introduced meanwhile as one (napping a quarter second to
// let them pile up), which saves most of the merging that one small segment per batch would
// cost. Flush tells callers when what they wrote is on disk.
//
// The merge planner counts every segment smaller than FloorSegmentSize as that size. At
// Bleve's default of 2,000 documents, the few-document segments that single changes persist
// (a grant, an approval decision) were merged into the ~8,000-document segments a bulk fill
// or reindex leaves: at 100k cases the merger then spent about a third of the server's CPU
// rewriting big segments for a trickle of changes, and the requests beside it waited (the
// approval decision's p95 and p99). At 100 the small segments merge among themselves; an
// index keeps at most some fifteen more small segments, which searches barely notice.
func bleveRuntimeConfig() map[string]any {
	return map[string]any{
		"unsafe_batch":           true,
		"scorchPersisterOptions": map[string]any{"PersisterNapTimeMSec": 250},
		"scorchMergePlanOptions": map[string]any{"FloorSegmentSize": bleveMergeFloor},
	}
}

// bleveMergeFloor is the merge planner's FloorSegmentSize (see bleveRuntimeConfig).
const bleveMergeFloor = 100

var _ Index = (*BleveIndex)(nil)

// OpenBleve opens the index in dir, creating it when dir does not exist or is empty.
// A Kaiku index of an earlier mapping version is removed and created anew (empty) rather
// than misread; any other index in dir is refused.
func OpenBleve(dir string) (*BleveIndex, error) {
	idx, err := bleve.OpenUsing(dir, bleveRuntimeConfig())
	switch {
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist) ||
		(errors.Is(err, bleve.ErrorIndexMetaMissing) && dirIsEmpty(dir)):
		idx, err = createBleve(dir)
		if err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("search: open bleve index %s: %w", dir, err)
	default:
		v, err := idx.GetInternal([]byte(bleveMetaKey))
		if err != nil || !strings.HasPrefix(string(v), "kaiku-") {
			_ = idx.Close()
			return nil, fmt.Errorf("search: bleve index %s has mapping version %q, want %q: delete the directory to rebuild it",
				dir, v, bleveMappingVersion)
		}
		if string(v) != bleveMappingVersion {
			// Kaiku's own index of an earlier mapping holds derived data only: it starts over
			// empty, and the start-up rebuild of an empty index over a non-empty database
			// fills it.
			_ = idx.Close()
			if err := os.RemoveAll(dir); err != nil {
				return nil, fmt.Errorf("search: remove bleve index %s of mapping version %q: %w", dir, v, err)
			}
			idx, err = createBleve(dir)
			if err != nil {
				return nil, err
			}
		}
	}
	an, err := newTextAnalyzers()
	if err != nil {
		_ = idx.Close()
		return nil, err
	}
	return &BleveIndex{idx: idx, text: an, durable: newPersistence(), cache: newAggregateCache(), narrowAbove: narrowAbove,
		rows: newReportRowCache(), sortCols: newSortColumnCache()}, nil
}

func dirIsEmpty(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) == 0
}

func createBleve(dir string) (bleve.Index, error) {
	m, err := bleveMapping()
	if err != nil {
		return nil, err
	}
	// Created without unsafe batches, so the mapping and its version are on disk before the
	// index is closed: with them, a Close soon after creation (a short-lived process, the
	// bench's reindex) left a mapping that would not parse on the next open.
	created, err := bleve.NewUsing(dir, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, nil)
	if err != nil {
		return nil, fmt.Errorf("search: create bleve index %s: %w", dir, err)
	}
	if err := created.SetInternal([]byte(bleveMetaKey), []byte(bleveMappingVersion)); err != nil {
		_ = created.Close()
		return nil, fmt.Errorf("search: create bleve index %s: %w", dir, err)
	}
	if err := created.Close(); err != nil {
		return nil, fmt.Errorf("search: create bleve index %s: %w", dir, err)
	}
	idx, err := bleve.OpenUsing(dir, bleveRuntimeConfig())
	if err != nil {
		return nil, fmt.Errorf("search: open new bleve index %s: %w", dir, err)
	}
	return idx, nil
}

// bleveMapping is explicit (no dynamic fields) so that every field has the type, analyzer
// and doc values its queries need.
func bleveMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	// Unicode word segmentation and lowercasing work for English and Finnish alike; only
	// English possessives and plurals are folded, because a full English stemmer mangles
	// Finnish words. No stop words: a search for any word should find it.
	err := im.AddCustomAnalyzer(bleveTextAnalyzer, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []any{en.PossessiveName, lowercase.Name, en.PluralStemmerName},
	})
	if err != nil {
		return nil, fmt.Errorf("search: bleve analyzer: %w", err)
	}

	text := func(store bool) *mapping.FieldMapping {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = bleveTextAnalyzer
		fm.Store = store
		fm.IncludeTermVectors = store // term vectors serve highlighting of stored fields
		fm.IncludeInAll = false
		fm.DocValues = false
		return fm
	}
	kw := func() *mapping.FieldMapping {
		fm := bleve.NewKeywordFieldMapping()
		fm.Store = false
		fm.IncludeInAll = false
		fm.DocValues = true // facets and sorting
		return fm
	}
	dt := func() *mapping.FieldMapping {
		fm := bleve.NewDateTimeFieldMapping()
		fm.Store = false
		fm.IncludeInAll = false
		fm.DocValues = false // sorting uses the sort keys
		return fm
	}

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fieldSubject, text(true))
	dm.AddFieldMappingsAt(fieldBody, text(true))
	dm.AddFieldMappingsAt(fieldCustomerName, text(true))
	dm.AddFieldMappingsAt(bleveFieldEmailText, text(false))
	dm.AddFieldMappingsAt(fieldLookup, text(false))
	// Ranked search: stemmed copies of subject and body; English keeps term vectors for the
	// proximity of adjacent query words (phrase matches).
	stemEN := bleve.NewTextFieldMapping()
	stemEN.Analyzer, stemEN.Store, stemEN.IncludeTermVectors = en.AnalyzerName, false, true
	stemEN.IncludeInAll, stemEN.DocValues = false, false
	dm.AddFieldMappingsAt(fieldStemEN, stemEN)
	stemFI := bleve.NewTextFieldMapping()
	stemFI.Analyzer, stemFI.Store, stemFI.IncludeTermVectors = fi.AnalyzerName, false, false
	stemFI.IncludeInAll, stemFI.DocValues = false, false
	dm.AddFieldMappingsAt(fieldStemFI, stemFI)
	for _, f := range KeywordFields {
		dm.AddFieldMappingsAt(f, kw())
	}
	dm.AddFieldMappingsAt(bleveFieldSortID, kw())
	dm.AddFieldMappingsAt(fieldReportRow, kw()) // Reports (issue 16): read by ReportRows
	for _, f := range SortFields {
		if isTimeField(f) {
			dm.AddFieldMappingsAt(f, dt()) // ranges
			dm.AddFieldMappingsAt(bleveSortKey(f, true), kw())
		}
		dm.AddFieldMappingsAt(bleveSortKey(f, false), kw())
	}
	dm.AddFieldMappingsAt(FieldReportedAt, dt()) // ranges only
	// Journey view (issue 16): the measures' keys (IntRange reads them).
	for _, f := range IntRangeFields {
		if !isSortField(f) {
			dm.AddFieldMappingsAt(bleveSortKey(f, false), kw())
		}
	}
	src := bleve.NewTextFieldMapping()
	src.Analyzer = keyword.Name
	src.Index = false
	src.Store = true
	src.IncludeInAll = false
	src.DocValues = false
	dm.AddFieldMappingsAt(bleveFieldSource, src)

	im.DefaultMapping = dm
	im.DefaultAnalyzer = bleveTextAnalyzer
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.ScoringModel = index.BM25Scoring
	return im, nil
}

// addBleveTime indexes a time for ranges and sorting. An absent (zero) time is left out of
// the range field, so no range matches it, and gets sort keys that put it last in both
// directions, as in Meilisearch. Every document has every sort key, so SearchAfter always
// has values to compare.
func addBleveTime(m map[string]any, field string, t time.Time) {
	if t.IsZero() {
		m[bleveSortKey(field, false)] = "1"
		m[bleveSortKey(field, true)] = "0"
		return
	}
	t = clampTime(t)
	key := sortableInt(t.UnixNano())
	m[field] = t
	m[bleveSortKey(field, false)] = "0" + key
	m[bleveSortKey(field, true)] = "1" + key
}

func clampTime(t time.Time) time.Time {
	t = t.UTC()
	if t.Before(bleveMinTime) {
		return bleveMinTime
	}
	if t.After(bleveMaxTime) {
		return bleveMaxTime
	}
	return t
}

func bleveFields(d CaseDoc) (map[string]any, error) {
	// The source keeps everything but the stored text fields, in UTC so that both backends
	// hand back identical documents.
	src := d
	src.Subject, src.Body, src.CustomerName = "", "", ""
	src.CreatedAt, src.UpdatedAt, src.DueAt = src.CreatedAt.UTC(), src.UpdatedAt.UTC(), src.DueAt.UTC()
	src.FollowUpDueAt = src.FollowUpDueAt.UTC()
	src.ReportedAt = src.ReportedAt.UTC()
	src.ResolvedAt = src.ResolvedAt.UTC()
	src.Tags = normalizeTags(src.Tags)
	src.Topics = normalizeTags(src.Topics)
	src.GrantedOptions, src.ApprovalWaitingFor = normalizeTags(src.GrantedOptions), normalizeTags(src.ApprovalWaitingFor)
	b, err := json.Marshal(src)
	if err != nil {
		return nil, fmt.Errorf("search: encode %s: %w", d.ID, err)
	}
	m := map[string]any{
		fieldSubject:         d.Subject,
		fieldBody:            d.Body,
		fieldCustomerName:    d.CustomerName,
		bleveFieldEmailText:  d.CustomerEmail,
		fieldLookup:          lookupText(d),
		fieldStemEN:          d.Subject + "\n" + d.Body,
		fieldStemFI:          d.Subject + "\n" + d.Body,
		FieldStatus:          indexedKeyword(d.Status),
		FieldPriority:        indexedKeyword(d.Priority),
		FieldChannel:         indexedKeyword(d.Channel),
		FieldCategory:        indexedKeyword(d.Category),
		FieldTouchpoint:      indexedKeyword(d.Touchpoint),
		FieldExpectedOutcome: indexedKeyword(d.ExpectedOutcome),
		FieldTags:            indexedKeywords(d.Tags),
		FieldAssigneeID:      indexedKeyword(d.AssigneeID),
		FieldTeamID:          indexedKeyword(d.TeamID),
		FieldCustomerEmail:   indexedKeyword(d.CustomerEmail),
		FieldFollowUpState:   indexedKeyword(d.FollowUpState),
		FieldReviewSource:    indexedKeyword(d.ReviewSource),
		FieldReviewRating:    indexedKeyword(d.ReviewRating),
		FieldReviewReply:     indexedKeyword(d.ReviewReply),
		FieldTopics:          indexedKeywords(d.Topics),
		FieldFollowUpFailed:  indexedKeyword(d.FollowUpFailed),
		FieldSLAOutcome:      indexedKeyword(d.SLAOutcome),
		FieldFollowUpOutcome: indexedKeyword(d.FollowUpOutcome),
		FieldOptionGranted:   indexedKeyword(d.OptionGranted),
		FieldOutcomeGap:      indexedKeyword(d.OutcomeGap),
		fieldReportRow:       encodeReportRow(d),
		// Remedies (issue 13).
		FieldGrantedOptions:     indexedKeywords(d.GrantedOptions),
		FieldApprovalWaitingFor: indexedKeywords(d.ApprovalWaitingFor),
		bleveFieldSource:        string(b),
		bleveFieldSortID:        d.ID,

		bleveSortKey(FieldPriorityRank, false):    sortableInt(int64(d.PriorityRank)),
		bleveSortKey(FieldEscalationLevel, false): sortableInt(int64(d.EscalationLevel)),

		// Journey view (issue 16): measures, ranged over their sort keys like the levels.
		bleveSortKey(FieldResolutionMinutes, false):    sortableInt(int64(journeyMinutes(d.ResolutionMinutes))),
		bleveSortKey(FieldFirstResponseMinutes, false): sortableInt(int64(journeyMinutes(d.FirstResponseMinutes))),
		bleveSortKey(FieldRating, false):               sortableInt(int64(d.Rating)),
		bleveSortKey(FieldReopened, false):             sortableInt(int64(boolInt(d.Reopened))),
	}
	addBleveTime(m, FieldCreatedAt, d.CreatedAt)
	addBleveTime(m, FieldUpdatedAt, d.UpdatedAt)
	addBleveTime(m, FieldDueAt, d.DueAt)
	addBleveTime(m, FieldFollowUpDueAt, d.FollowUpDueAt)
	if !d.ReportedAt.IsZero() {
		m[FieldReportedAt] = clampTime(d.ReportedAt)
	}
	return m, nil
}

// Upsert indexes docs in one Bleve batch.
func (b *BleveIndex) Upsert(ctx context.Context, docs ...CaseDoc) error {
	if len(docs) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	batch := b.idx.NewBatch()
	for _, d := range docs {
		if d.ID == "" {
			return errors.New("search: upsert: document without ID")
		}
		fields, err := bleveFields(d)
		if err != nil {
			return err
		}
		if err := batch.Index(d.ID, fields); err != nil {
			return fmt.Errorf("search: index %s: %w", d.ID, err)
		}
	}
	if err := b.apply(batch); err != nil {
		return fmt.Errorf("search: bleve batch: %w", err)
	}
	return nil
}

// apply introduces a batch, tracking when it reaches the disk.
func (b *BleveIndex) apply(batch *bleve.Batch) error {
	seq := b.durable.issue()
	batch.SetPersistedCallback(func(err error) { b.durable.done(seq, err) })
	err := b.idx.Batch(batch)
	// Searchable now (or not applied at all): kept totals and facets are of the past.
	b.gen.Add(1)
	if err != nil {
		b.durable.done(seq, nil) // nothing was introduced, so nothing waits for the disk
	}
	return err
}

// Flush returns once every batch applied before the call is on disk.
func (b *BleveIndex) Flush(ctx context.Context) error {
	return b.durable.wait(ctx)
}

// Delete removes ids in one batch; unknown ids are ignored.
func (b *BleveIndex) Delete(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	batch := b.idx.NewBatch()
	for _, id := range ids {
		batch.Delete(id)
	}
	if err := b.apply(batch); err != nil {
		return fmt.Errorf("search: bleve delete: %w", err)
	}
	return nil
}

// bleveCursor is SearchAfter state: the last hit's sort values and the sort they belong to.
type bleveCursor struct {
	Sort  string   `json:"s"`
	After []string `json:"a"`
}

// Search runs q. Paging uses Bleve's SearchAfter with the last hit's sort values (ID is the
// final sort key), so deep pages cost no more than the first and stay stable under writes.
// A list sorted newest first reads only recent matches (see bleve_topk.go).
func (b *BleveIndex) Search(ctx context.Context, q Query) (Result, error) {
	limit, err := checkQuery(q)
	if err != nil {
		return Result{}, err
	}
	terms := b.queryTerms(q)
	relevance := len(terms) > 0 && len(q.Sort) == 0
	order, spec := bleveSortOrder(q.Sort, relevance)
	var after []string
	if q.Cursor != "" {
		if after, err = decodeBleveCursor(q.Cursor, spec, order); err != nil {
			return Result{}, err
		}
	}
	highlight := q.Highlight && len(terms) > 0
	pageFields := []string{bleveFieldSource, fieldSubject, fieldBody, fieldCustomerName}
	request := func(q Query, facets []string) *bleve.SearchRequest {
		// One extra hit tells whether another page exists.
		req := bleve.NewSearchRequestOptions(b.buildQuery(terms, q), limit+1, 0, false)
		req.SortByCustom(order)
		req.SearchAfter = after
		if !relevance {
			req.Score = "none" // ordering by fields: skip scoring work
		}
		req.Fields = pageFields
		// No highlights here: asking for them reads every match's word positions; the page's
		// are read afterwards (pageHighlights).
		for _, f := range facets {
			req.AddFacet(f, bleve.NewFacetRequest(f, facetSize))
		}
		return req
	}

	// The total and the facets count every match: they come from what was counted since the
	// last write when there is one, so the page's query reads only its sort values.
	var out Result
	aggKey := aggregateKey(terms, q, q.Facets)
	gen := b.gen.Load()
	agg, counted := b.cache.get(gen, aggKey)
	var hits bsearch.DocumentMatchCollection
	narrowed := false
	timeField, byTime := narrowField(q.Sort, relevance)
	byValue := byNumberSort(q.Sort)
	if byTime || byValue {
		if !counted {
			if agg, err = b.aggregates(ctx, terms, q, q.Facets); err != nil {
				return Result{}, fmt.Errorf("search: bleve search: %w", err)
			}
			counted = true
		}
		page := func(nq Query) *bleve.SearchRequest { return request(nq, nil) }
		switch {
		case agg.total <= b.narrowAbove:
		case byTime:
			hits, narrowed, err = b.narrowedHits(ctx, terms, q, timeField, limit+1, after, page)
		default:
			hits, narrowed, err = b.columnSortedHits(ctx, terms, q, order, after, limit+1, pageFields)
		}
		if err != nil {
			return Result{}, fmt.Errorf("search: bleve search: %w", err)
		}
	}
	switch {
	case narrowed:
		out.Total, out.Facets = agg.total, cloneFacets(agg.facets)
	case counted:
		res, err := b.idx.SearchInContext(ctx, request(q, nil))
		if err != nil {
			return Result{}, fmt.Errorf("search: bleve search: %w", err)
		}
		hits, out.Total, out.Facets = res.Hits, agg.total, cloneFacets(agg.facets)
	default:
		res, err := b.idx.SearchInContext(ctx, request(q, q.Facets))
		if err != nil {
			return Result{}, fmt.Errorf("search: bleve search: %w", err)
		}
		hits, out.Total, out.Facets = res.Hits, int(res.Total), bleveFacets(res, q.Facets)
		b.cache.put(gen, aggKey, bleveAggregates{total: out.Total, facets: cloneFacets(out.Facets)})
	}

	var frags map[string]map[string][]string
	if highlight {
		if frags, err = b.pageHighlights(ctx, terms, q, hits[:min(len(hits), limit)]); err != nil {
			return Result{}, fmt.Errorf("search: bleve search: %w", err)
		}
	}
	for i, h := range hits {
		if i == limit {
			break
		}
		doc, err := bleveHitDoc(h)
		if err != nil {
			return Result{}, err
		}
		hit := Hit{Doc: doc, Score: h.Score}
		if highlight {
			hit.Highlights = bleveHighlights(frags[h.ID])
		}
		out.Hits = append(out.Hits, hit)
	}
	if len(hits) > limit {
		last := hits[limit-1]
		after := slices.Clone(last.DecodedSort)
		for i, o := range order {
			if _, ok := o.(*bsearch.SortScore); ok {
				after[i] = strconv.FormatFloat(last.Score, 'g', -1, 64)
			}
		}
		out.NextCursor = encodeCursor(bleveCursor{Sort: spec, After: after})
	}
	return out, nil
}

// pageHighlights returns the highlighted fragments of the page's hits by case ID: the text
// query again, on those cases alone, so only their word positions are read rather than every
// match's.
func (b *BleveIndex) pageHighlights(ctx context.Context, terms []string, q Query, page bsearch.DocumentMatchCollection) (map[string]map[string][]string, error) {
	if len(page) == 0 {
		return nil, nil
	}
	ids := make([]string, len(page))
	for i, h := range page {
		ids[i] = h.ID
	}
	// A conjunction lets the few IDs lead: the text query's posting lists are advanced to them.
	hq := bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), b.textQuery(terms, allWords(q)))
	req := bleve.NewSearchRequestOptions(hq, len(ids), 0, false)
	req.Highlight = bleve.NewHighlightWithStyle(html.Name) // escapes text, marks with <mark>
	req.Highlight.Fields = highlightFields
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string][]string, len(res.Hits))
	for _, h := range res.Hits {
		out[h.ID] = h.Fragments
	}
	return out, nil
}

// CountSince counts with a date-range facet over the matches: the filters meet a few
// documents and only their doc values are read, where a range query would walk the dates of
// the whole index and a search would load every matching document.
func (b *BleveIndex) CountSince(ctx context.Context, q Query, field string, since []time.Time) ([]int, error) {
	if err := checkCountSince(q, field, since); err != nil {
		return nil, err
	}
	out := make([]int, len(since))
	if len(since) == 0 {
		return out, nil
	}
	req := bleve.NewSearchRequestOptions(b.buildQuery(nil, q), 0, 0, false)
	req.Score = "none"
	facet := bleve.NewFacetRequest(field, len(since))
	for i, t := range since {
		facet.AddDateTimeRange(strconv.Itoa(i), t, time.Time{})
	}
	req.AddFacet(field, facet)
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: bleve count since: %w", err)
	}
	if fr := res.Facets[field]; fr != nil {
		for _, r := range fr.DateRanges {
			if i, err := strconv.Atoi(r.Name); err == nil && i >= 0 && i < len(out) {
				out[i] = r.Count
			}
		}
	}
	return out, nil
}

// Count returns the number of documents matching q's filters and ranges (counted at most once
// per index generation).
func (b *BleveIndex) Count(ctx context.Context, q Query) (int, error) {
	if err := checkFilterQuery(q); err != nil {
		return 0, err
	}
	a, err := b.aggregates(ctx, nil, Query{Filters: q.Filters, Ranges: q.Ranges, IntRanges: q.IntRanges}, nil)
	if err != nil {
		return 0, fmt.Errorf("search: bleve count: %w", err)
	}
	return a.total, nil
}

// Versions looks the ids up in one doc-id query.
func (b *BleveIndex) Versions(ctx context.Context, ids []string) (map[string]int64, error) {
	out := make(map[string]int64, len(ids))
	ids = uniqueNonEmpty(ids)
	if len(ids) == 0 {
		return out, nil
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = []string{bleveFieldSource}
	req.Score = "none"
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: bleve versions: %w", err)
	}
	for _, h := range res.Hits {
		doc, err := bleveHitDoc(h)
		if err != nil {
			return nil, err
		}
		out[h.ID] = doc.Version
	}
	return out, nil
}

// DocCount returns the number of indexed documents.
func (b *BleveIndex) DocCount(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n, err := b.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("search: bleve doc count: %w", err)
	}
	return int(n), nil
}

// Ping fails once the index is closed.
func (b *BleveIndex) Ping(ctx context.Context) error {
	_, err := b.DocCount(ctx)
	return err
}

// Close flushes and closes the index.
func (b *BleveIndex) Close() error {
	// Bleve's Close drops segments not yet on disk (batches return before that): wait for them.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	flushErr := b.Flush(ctx)
	return errors.Join(flushErr, b.idx.Close())
}

// queryTerms analyses text like the indexed fields, so a query term meets indexed terms in the
// same form (lowercased, plurals folded); stop words are left out unless every word must match.
func (b *BleveIndex) queryTerms(q Query) []string {
	var terms []string
	for _, w := range b.text.words(q.Text, allWords(q)) {
		terms = append(terms, w.term)
	}
	return terms
}

// buildQuery combines text with q's filters and ranges. Filters do not score: with text they
// are a boolean filter clause, without text nothing is scored at all.
func (b *BleveIndex) buildQuery(terms []string, q Query) query.Query {
	var keep, drop []query.Query
	for _, f := range q.Filters {
		var alts []query.Query
		for _, v := range uniqueStrings(f.Values) {
			tq := bleve.NewTermQuery(indexedKeyword(v))
			tq.SetField(f.Field)
			alts = append(alts, tq)
		}
		var fq query.Query = alts[0]
		if len(alts) > 1 {
			fq = bleve.NewDisjunctionQuery(alts...)
		}
		if f.Negate {
			drop = append(drop, fq)
		} else {
			keep = append(keep, fq)
		}
	}
	for _, r := range q.Ranges {
		keep = append(keep, bleveRangeQuery(r))
	}
	for _, r := range q.IntRanges {
		if r.From > 0 || r.To > 0 {
			keep = append(keep, bleveIntRangeQuery(r))
		}
	}

	if len(terms) == 0 && len(keep) == 0 && len(drop) == 0 {
		return bleve.NewMatchAllQuery()
	}
	bq := bleve.NewBooleanQuery()
	if len(terms) > 0 {
		bq.AddMust(b.textQuery(terms, allWords(q)))
		if len(keep) > 0 {
			bq.AddFilter(bleve.NewConjunctionQuery(keep...))
		}
	} else {
		bq.AddMust(keep...)
	}
	bq.AddMustNot(drop...)
	return bq
}

// bleveRangeQuery keeps documents whose time is present and in [From, To).
func bleveRangeQuery(r TimeRange) query.Query {
	if r.From.IsZero() && r.To.IsZero() {
		// Any present time: only present times have an ascending sort key starting with "0".
		pq := bleve.NewPrefixQuery("0")
		pq.SetField(bleveSortKey(r.Field, false))
		return pq
	}
	var from, to time.Time
	if !r.From.IsZero() {
		from = clampTime(r.From)
	}
	if !r.To.IsZero() {
		to = clampTime(r.To)
	}
	yes, no := true, false
	dq := bleve.NewDateRangeInclusiveQuery(from, to, &yes, &no)
	dq.SetField(r.Field)
	return dq
}

// bleveIntRangeQuery keeps documents whose number is in [From, To). It is a range over the
// field's sort key, whose byte order is numeric order, so the existing index serves it without
// a mapping change.
func bleveIntRangeQuery(r IntRange) query.Query {
	yes, no := true, false
	max := ""
	if r.To > 0 {
		max = sortableInt(int64(r.To))
	}
	rq := bleve.NewTermRangeInclusiveQuery(sortableInt(int64(r.From)), max, &yes, &no)
	rq.SetField(bleveSortKey(r.Field, false))
	return rq
}

// bleveSortOrder returns the sort and a string naming it (bound into cursors). Without a sort
// and without text, the newest activity comes first.
func bleveSortOrder(sorts []Sort, relevance bool) (bsearch.SortOrder, string) {
	var order bsearch.SortOrder
	var spec []string
	if relevance {
		order = append(order, &bsearch.SortScore{Desc: true})
		spec = append(spec, "-_score")
	} else if len(sorts) == 0 {
		sorts = []Sort{{Field: FieldUpdatedAt, Desc: true}}
	}
	for _, s := range sorts {
		order = append(order, &bsearch.SortField{Field: bleveSortKey(s.Field, s.Desc), Type: bsearch.SortFieldAsString, Desc: s.Desc})
		if s.Desc {
			spec = append(spec, "-"+s.Field)
		} else {
			spec = append(spec, s.Field)
		}
	}
	order = append(order, &bsearch.SortField{Field: bleveFieldSortID, Type: bsearch.SortFieldAsString})
	spec = append(spec, "_id")
	return order, strings.Join(spec, ",")
}

// decodeBleveCursor checks that the cursor belongs to this sort and that the score parses,
// so a tampered cursor is a bad query rather than a Bleve error. Sort keys are plain strings:
// any value is a valid position.
func decodeBleveCursor(s, spec string, order bsearch.SortOrder) ([]string, error) {
	var c bleveCursor
	if err := decodeCursor(s, &c); err != nil {
		return nil, err
	}
	if c.Sort != spec || len(c.After) != len(order) {
		return nil, badQuery("cursor belongs to another sort order")
	}
	for i, o := range order {
		if _, ok := o.(*bsearch.SortScore); ok {
			if _, err := strconv.ParseFloat(c.After[i], 64); err != nil {
				return nil, badQuery("malformed cursor")
			}
		}
	}
	return c.After, nil
}

func bleveHitDoc(h *bsearch.DocumentMatch) (CaseDoc, error) {
	src, _ := h.Fields[bleveFieldSource].(string)
	var d CaseDoc
	if err := json.Unmarshal([]byte(src), &d); err != nil {
		return CaseDoc{}, fmt.Errorf("search: decode stored document %s: %w", h.ID, err)
	}
	d.ID = h.ID
	d.Subject, _ = h.Fields[fieldSubject].(string)
	d.Body, _ = h.Fields[fieldBody].(string)
	d.CustomerName, _ = h.Fields[fieldCustomerName].(string)
	d.Tags = normalizeTags(d.Tags)
	return d, nil
}

// bleveHighlights keeps only fragments that contain a match.
func bleveHighlights(frags map[string][]string) map[string][]string {
	out := map[string][]string{}
	for field, fs := range frags {
		for _, f := range fs {
			if strings.Contains(f, "<mark>") {
				out[field] = append(out[field], f)
			}
		}
	}
	return out
}

func uniqueStrings(vs []string) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func uniqueNonEmpty(vs []string) []string {
	seen := make(map[string]bool, len(vs))
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
