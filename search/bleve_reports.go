package search

import (
	"context"
	"fmt"
	"reflect"

	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
)

// ReportRows collects the report row of every match through a facet builder: the collector
// hands it each match's doc values of the row field, so no stored document is read.
func (b *BleveIndex) ReportRows(ctx context.Context, q Query) ([]CaseDoc, error) {
	if err := checkFilterQuery(q); err != nil {
		return nil, err
	}
	adv, err := b.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: bleve report rows: %w", err)
	}
	reader, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: bleve report rows: %w", err)
	}
	defer func() { _ = reader.Close() }()
	bq := b.buildQuery(nil, Query{Filters: q.Filters, Ranges: q.Ranges, IntRanges: q.IntRanges})
	searcher, err := bq.Searcher(ctx, reader, b.idx.Mapping(), bsearch.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, fmt.Errorf("search: bleve report rows: %w", err)
	}
	defer func() { _ = searcher.Close() }()

	rows := &rowCollector{}
	facets := bsearch.NewFacetsBuilder(reader)
	facets.Add(fieldReportRow, rows)
	// No hits are kept; sorting by (unscored) score spares every match its external ID lookup.
	coll := collector.NewTopNCollector(0, 0, bsearch.SortOrder{&bsearch.SortScore{Desc: true}})
	coll.SetFacetsBuilder(facets)
	if err := coll.Collect(ctx, searcher, reader); err != nil {
		return nil, fmt.Errorf("search: bleve report rows: %w", err)
	}
	out := make([]CaseDoc, 0, len(rows.rows))
	for _, r := range rows.rows {
		d, err := decodeReportRow(r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// rowCollector is a bleve FacetBuilder that keeps every term it is shown (one per document).
type rowCollector struct {
	rows []string
}

func (c *rowCollector) StartDoc()                 {}
func (c *rowCollector) EndDoc()                   {}
func (c *rowCollector) UpdateVisitor(term []byte) { c.rows = append(c.rows, string(term)) }
func (c *rowCollector) Field() string             { return fieldReportRow }
func (c *rowCollector) Result() *bsearch.FacetResult {
	return &bsearch.FacetResult{Field: fieldReportRow, Total: len(c.rows)}
}
func (c *rowCollector) Size() int { return int(reflect.TypeOf(*c).Size()) }
