package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
)

// ceiling estimates how far precision@10 can go on these labels at all, with the labels in
// hand (so never a method, only a bound to read the figures against), per query set:
//
//   - label centroid: the 10 narratives nearest (tf-idf cosine) to the centroid of the
//     query's own Product and Issue; how well a perfect "what this label is about" query of
//     any length would do;
//   - best 4 terms: the best query of four stemmed terms, chosen greedily among the 80 terms
//     most typical of the label, ranked by BM25 (k1 1.2, b 0.75); what a person who knew the
//     label's vocabulary could type;
//   - a narrative as the query: for each narrative of the label, its 10 nearest others (tf-idf
//     cosine), averaged: the longest, most telling query a customer of that label could type;
//   - class size: the share of the 10 places the label's narratives could fill at most.
func ceiling(rows []narrative, w io.Writer) error {
	an := bleve.NewIndexMapping().AnalyzerNamed(en.AnalyzerName)
	if an == nil {
		return fmt.Errorf("english analyzer missing")
	}
	c := newCeilingCorpus(rows, func(text string) []string {
		var out []string
		for _, tok := range an.Analyze([]byte(text)) {
			t := string(tok.Term)
			if len(t) >= 3 && strings.Trim(t, "x0123456789") != "" {
				out = append(out, t)
			}
		}
		return out
	})
	best4, nearest := map[label]float64{}, map[label]float64{}
	for _, set := range []struct {
		name    string
		queries []query
	}{{"tuning set", tuningQueries}, {"held-out set", heldOutQueries}, {"held-out set 2", heldOut2Queries}} {
		var cent, b4, near, size float64
		for _, q := range set.queries {
			cent += c.precision(c.centroidTop(q.label), q.label)
			if _, ok := best4[q.label]; !ok {
				best4[q.label] = c.bestTerms(q.label, 4)
			}
			b4 += best4[q.label]
			if _, ok := nearest[q.label]; !ok {
				nearest[q.label] = c.nearestOthers(q.label)
			}
			near += nearest[q.label]
			size += math.Min(1, float64(c.count(q.label))/10)
		}
		n := float64(len(set.queries))
		fmt.Fprintf(w, "ceiling, %s: label centroid %.3f, best 4 terms %.3f, a narrative as the query %.3f, class size %.3f\n",
			set.name, cent/n, b4/n, near/n, size/n)
	}
	return nil
}

type ceilingCorpus struct {
	labels []label
	tf     []map[string]float64
	vec    []map[string]float64 // tf-idf, unit length
	dl     []float64
	avgdl  float64
	df     map[string]int
}

func newCeilingCorpus(rows []narrative, terms func(string) []string) *ceilingCorpus {
	c := &ceilingCorpus{df: map[string]int{}}
	var sum float64
	for _, r := range rows {
		tf := map[string]float64{}
		toks := terms(r.text)
		for _, t := range toks {
			tf[t]++
		}
		for t := range tf {
			c.df[t]++
		}
		c.labels = append(c.labels, r.label)
		c.tf = append(c.tf, tf)
		c.dl = append(c.dl, float64(len(toks)))
		sum += float64(len(toks))
	}
	c.avgdl = sum / float64(len(rows))
	n := float64(len(rows))
	for _, tf := range c.tf {
		v := map[string]float64{}
		var norm float64
		for t, f := range tf {
			if c.df[t] < 2 {
				continue
			}
			x := (1 + math.Log(f)) * math.Log(n/float64(c.df[t]))
			v[t] = x
			norm += x * x
		}
		for t := range v {
			v[t] /= math.Sqrt(norm)
		}
		c.vec = append(c.vec, v)
	}
	return c
}

func (c *ceilingCorpus) count(l label) int {
	n := 0
	for _, x := range c.labels {
		if x == l {
			n++
		}
	}
	return n
}

func (c *ceilingCorpus) precision(top []int, l label) float64 {
	hits := 0
	for _, d := range top {
		if c.labels[d] == l {
			hits++
		}
	}
	return float64(hits) / 10
}

func top10(s []float64) []int {
	var idx []int
	for i, v := range s {
		if v > 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return s[idx[a]] > s[idx[b]] })
	return idx[:min(10, len(idx))]
}

func (c *ceilingCorpus) centroidTop(l label) []int {
	cv := map[string]float64{}
	for d, v := range c.vec {
		if c.labels[d] == l {
			for t, x := range v {
				cv[t] += x
			}
		}
	}
	s := make([]float64, len(c.vec))
	for d, v := range c.vec {
		for t, x := range v {
			s[d] += x * cv[t]
		}
	}
	return top10(s)
}

func (c *ceilingCorpus) bm25(terms []string) []float64 {
	s := make([]float64, len(c.tf))
	n := float64(len(c.tf))
	for _, t := range terms {
		df := float64(c.df[t])
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for d, tf := range c.tf {
			if f := tf[t]; f > 0 {
				s[d] += idf * f * 2.2 / (f + 1.2*(0.25+0.75*c.dl[d]/c.avgdl))
			}
		}
	}
	return s
}

// bestTerms chooses up to n terms greedily, each the one that raises precision@10 most,
// among the 80 terms whose mean tf-idf weight is highest in the label over the rest.
func (c *ceilingCorpus) bestTerms(l label, n int) float64 {
	in, out := map[string]float64{}, map[string]float64{}
	var nin, nout float64
	for d, v := range c.vec {
		m := out
		if c.labels[d] == l {
			m = in
			nin++
		} else {
			nout++
		}
		for t, x := range v {
			m[t] += x
		}
	}
	type cand struct {
		t string
		w float64
	}
	var cands []cand
	for t, x := range in {
		cands = append(cands, cand{t, x/nin - out[t]/max(1, nout)})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].w != cands[j].w {
			return cands[i].w > cands[j].w
		}
		return cands[i].t < cands[j].t
	})
	cands = cands[:min(80, len(cands))]
	var chosen []string
	var best float64
	for range n {
		pick := ""
		for _, cd := range cands {
			p := c.precision(top10(c.bm25(append(chosen[:len(chosen):len(chosen)], cd.t))), l)
			if p > best {
				best, pick = p, cd.t
			}
		}
		if pick == "" {
			break
		}
		chosen = append(chosen, pick)
	}
	return best
}

// nearestOthers is the mean precision@10 of each narrative of l's 10 nearest other narratives.
func (c *ceilingCorpus) nearestOthers(l label) float64 {
	var sum float64
	var n int
	for d, v := range c.vec {
		if c.labels[d] != l {
			continue
		}
		s := make([]float64, len(c.vec))
		for e, u := range c.vec {
			if e == d {
				continue
			}
			for t, x := range v {
				s[e] += x * u[t]
			}
		}
		sum += c.precision(top10(s), l)
		n++
	}
	return sum / float64(max(1, n))
}
