package topics

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// Topic is one recurring topic: a stable id made from its name, a readable name (its most
// characteristic phrase as customers write it) and a few more key phrases.
type Topic struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Phrases []string `json:"phrases"`
	// Terms are the centroid's heaviest terms and their weights (unit length over the kept
	// terms): what Assign compares a case with.
	Terms map[string]float64 `json:"terms"`
	// Keys are the topic's most characteristic word pairs (stemmed): a case joins the topic
	// only when it carries one of them. Narratives about different problems can read alike
	// as a whole (a wrong entry on a credit report, the bureau's failed investigation of it);
	// a phrase ("hard inquiries", "escrow account") is a sharper signature. Models learned
	// before keys existed have none, and no such condition.
	Keys []string `json:"keys,omitempty"`
	// Words are the topic's most characteristic single words (stemmed): in a model of short
	// texts, with too few word pairs to carry one of Keys, a text may carry one of these.
	Words []string `json:"words,omitempty"`
	// Kind is the kind of text the topic groups (KindComplaint, KindReview); "" in a model
	// learned over every text at once.
	Kind string `json:"kind,omitempty"`
}

// Kinds of text, learned apart (LearnKinds).
const (
	KindComplaint = "complaint"
	KindReview    = "review"
)

// Doc is a text to learn from or to give a topic, and its kind.
type Doc struct{ Kind, Text string }

// Model is a learned set of topics and the term weights (inverse document frequencies) they
// were learned with.
type Model struct {
	Topics []Topic            `json:"topics"`
	IDF    map[string]float64 `json:"idf"`
	Docs   int                `json:"docs"`
	// Names are words written mostly with a capital inside sentences: left out of topics.
	Names map[string]bool `json:"names"`
	// MinSimilarity is the cosine a case needs with its nearest topic to be given it.
	MinSimilarity float64 `json:"min_similarity"`
	// MinMargin is how many times more like its nearest topic than the next a case must be.
	MinMargin float64 `json:"min_margin,omitempty"`
	// ShortSimilarity is set in a model learned over short texts (LearnOptions.ShortWords):
	// a text joins its nearest topic on this similarity, with no margin, carrying one of the
	// topic's Keys or Words. Models learned over narratives, and before it, have none (0).
	ShortSimilarity float64 `json:"short_similarity,omitempty"`
	// Parts are the models of each kind of text, learned apart (LearnKinds): Topics then
	// lists all of theirs by id, name and phrases, and Assign asks the part of the text's kind.
	Parts map[string]*Model   `json:"parts,omitempty"`
	index map[string][]weight // term -> topics that weigh it; built by prepare
}

type weight struct {
	topic int
	w     float64
}

// LearnOptions tune Learn; the zero value picks defaults that suit a helpdesk's corpus.
type LearnOptions struct {
	Topics     int     // clusters; 0: one per 25 documents, between 4 and 60
	MinDF      int     // a term must occur in this many documents; 0: 3
	MaxDFShare float64 // and in at most this share of them; 0: 0.4
	Iterations int     // k-means rounds; 0: 20
	Seed       uint64  // for the k-means++ start; learning is deterministic for one seed
	// PhrasesOnly learns from word pairs alone, without the single words.
	PhrasesOnly bool
	// MinSimilarity is how like its nearest topic a case must be to join it; 0: 0.25. A case
	// like none of them stays out of every topic ("other") rather than swelling the nearest.
	MinSimilarity float64
	// MinMargin is how many times more like its nearest topic than the next one a case must
	// be to join it; 0: 1.3. A case about as like two topics reads like both problems and is
	// left out rather than guessed. On the CFPB narratives (scripts/topicseval -offline,
	// seeds 0-4) one CFPB Issue held half of a topic's cases in 2.4 of the 10 largest on
	// average with neither condition nor Topic.Keys, in 5.2 with them. A stricter similarity
	// alone (0.35) did as well there but left five in six short hotel reviews in no topic.
	MinMargin float64
	// ShortWords: a corpus whose median text has fewer distinct content words than this is
	// one of short texts (reviews' lines); 0: 20, negative: none is. Short texts name one or
	// a few problems in a line ("noisy room, rude staff at the desk"), and topics learned from
	// them are held together by single words more than by phrases. A text about as like two
	// such topics is about both, and either is right, so it needs no margin; a text of a line
	// has too few word pairs to carry one of a topic's Keys, so one of its characteristic
	// Words will do; and a second problem named beside the first pulls its likeness to either
	// down, so it needs only ShortSimilarity (0: 0.2). On the Booking.com reviews
	// (scripts/topicseval -offline) that put 86% of the negative reviews in a topic, 61% with
	// the rules only for the texts under 20 words and 22% with the narratives' rules. A corpus
	// of narratives keeps MinSimilarity, MinMargin and Keys for all its texts: there a line
	// is the odd one out ("I want my money back"), about nothing in particular, and the short
	// rules for its short texts cost one of the CFPB narratives' ten largest topics its
	// majority Issue in two seeds of five.
	ShortWords      int
	ShortSimilarity float64
}

const (
	maxVocabulary  = 30000 // most frequent terms kept
	termsPerTopic  = 300   // centroid terms kept in the model
	minTopicShare  = 0.005 // clusters smaller than this share of the corpus are dropped
	phrasesPerName = 3
	keysPerTopic   = 20 // pairs a case may carry to join a topic: fewer miss short inflected texts
	kmeansStarts   = 4
	nameShare      = 0.6
)

// Learn learns topics from documents' texts. Labels never enter it: only the texts.
func Learn(a *Analyzer, texts []string, o LearnOptions) *Model {
	n := len(texts)
	m := &Model{Docs: n}
	if o.Topics == 0 {
		// Many narrow topics rather than a few broad ones: a broad cluster is a product
		// ("student loan", "checking account") with every kind of problem in it, where a
		// narrow one is one recurring problem ("hard inquiries", "identity theft").
		o.Topics = min(max(n/25, 4), 60)
	}
	if o.MinDF == 0 {
		o.MinDF = 3
	}
	if o.MaxDFShare == 0 {
		o.MaxDFShare = 0.4
	}
	if o.MinSimilarity == 0 {
		o.MinSimilarity = 0.25
	}
	if o.MinMargin == 0 {
		o.MinMargin = 1.3
	}
	if o.ShortWords == 0 {
		o.ShortWords = 20
	}
	if o.ShortSimilarity == 0 {
		o.ShortSimilarity = 0.2
	}
	m.MinSimilarity, m.MinMargin = o.MinSimilarity, o.MinMargin
	if o.Iterations == 0 {
		o.Iterations = 20
	}
	// Names (mostly capitalised inside sentences) are left out of topics.
	capital, seen := map[string]int{}, map[string]int{}
	for _, t := range texts {
		a.Capitals(t, capital, seen)
	}
	m.Names = map[string]bool{}
	for w, c := range seen {
		if c >= o.MinDF && float64(capital[w]) >= nameShare*float64(c) && strings.Trim(w, "x") != "" {
			m.Names[w] = true
		}
	}
	docTerms := make([]map[string]int, n)
	wordCounts := make([]int, n) // distinct content words per text
	df := map[string]int{}
	surfaces := map[string]map[string]int{}
	for i, t := range texts {
		terms, surface := a.Terms(t, m.Names)
		tf := map[string]int{}
		for _, term := range terms {
			tf[term]++
		}
		for term := range tf {
			df[term]++
		}
		for term, s := range surface {
			if surfaces[term] == nil {
				surfaces[term] = map[string]int{}
			}
			surfaces[term][s]++
		}
		docTerms[i] = tf
		for term := range tf {
			if !strings.Contains(term, " ") {
				wordCounts[i]++
			}
		}
	}
	slices.Sort(wordCounts)
	if n > 0 && wordCounts[n/2] < o.ShortWords {
		m.ShortSimilarity = o.ShortSimilarity
	}
	vocab := make([]string, 0, len(df))
	for term, c := range df {
		// Single words and pairs: a word alone ("escrow", "inquiries") often says what went
		// wrong; triples are too rare to weigh in a comparison and only add noise.
		words := strings.Count(term, " ") + 1
		if c >= o.MinDF && float64(c) <= o.MaxDFShare*float64(n) && words <= 2 && (!o.PhrasesOnly || words == 2) {
			vocab = append(vocab, term)
		}
	}
	sort.Slice(vocab, func(i, j int) bool {
		if df[vocab[i]] != df[vocab[j]] {
			return df[vocab[i]] > df[vocab[j]]
		}
		return vocab[i] < vocab[j]
	})
	if len(vocab) > maxVocabulary {
		vocab = vocab[:maxVocabulary]
	}
	m.IDF = make(map[string]float64, len(vocab))
	col := make(map[string]int, len(vocab))
	for i, term := range vocab {
		m.IDF[term] = math.Log(float64(n)/float64(df[term])) + 1
		col[term] = i
	}
	vecs := make([]sparse, 0, n)
	for _, tf := range docTerms {
		if v := m.vector(tf, col); len(v) > 0 {
			vecs = append(vecs, v)
		}
	}
	if len(vecs) < o.Topics || len(vocab) == 0 {
		m.prepare()
		return m
	}
	// k-means finds a local optimum that depends on its start: a few starts, and the one whose
	// documents sit closest to their centroids wins.
	var centroids [][]float64
	best := math.Inf(-1)
	for start := range kmeansStarts {
		c := kmeans(vecs, len(vocab), o.Topics, o.Iterations, o.Seed+uint64(start)*7919)
		var fit float64
		for _, v := range vecs {
			_, s := nearest(v, c)
			fit += s
		}
		// A start only wins by more than rounding: dot sums over a map in random order, and
		// starts that find the same topics must not trade places from one learning to the next.
		if fit > best+1e-9*float64(len(vecs)) {
			best, centroids = fit, c
		}
	}
	sizes := make([]int, len(centroids))
	for _, v := range vecs {
		if c, s := nearest(v, centroids); s >= o.MinSimilarity {
			sizes[c]++
		}
	}
	// Name each topic by its most characteristic phrases: heavy in its centroid, light in the
	// others on average.
	mean := make([]float64, len(vocab))
	for _, c := range centroids {
		for j, w := range c {
			mean[j] += w / float64(len(centroids))
		}
	}
	used := map[string]bool{}
	for k, c := range centroids {
		if float64(sizes[k]) < minTopicShare*float64(len(vecs)) || sizes[k] < 2 {
			continue
		}
		order := make([]int, len(vocab))
		for j := range order {
			order[j] = j
		}
		sort.Slice(order, func(x, y int) bool {
			dx, dy := c[order[x]]-mean[order[x]], c[order[y]]-mean[order[y]]
			if dx != dy {
				return dx > dy
			}
			return order[x] < order[y]
		})
		var phrases, keys, words []string
		for _, j := range order {
			if c[j] <= 0 {
				continue
			}
			if !strings.Contains(vocab[j], " ") {
				if len(words) < keysPerTopic {
					words = append(words, vocab[j])
				}
			} else if len(keys) < keysPerTopic {
				keys = append(keys, vocab[j])
			}
		}
		for _, j := range order {
			if len(phrases) == phrasesPerName || c[j] <= 0 {
				break
			}
			term := vocab[j]
			if !strings.Contains(term, " ") || used[term] || overlaps(term, phrases, surfaces) {
				continue
			}
			phrases = append(phrases, commonSurface(surfaces[term], term))
			if len(phrases) == 1 {
				used[term] = true
			}
		}
		if len(phrases) == 0 {
			continue
		}
		id := Slug(phrases[0])
		for i := 2; slices.ContainsFunc(m.Topics, func(t Topic) bool { return t.ID == id }); i++ {
			id = fmt.Sprintf("%s-%d", Slug(phrases[0]), i)
		}
		t := Topic{ID: id, Name: phrases[0], Phrases: phrases, Terms: map[string]float64{}, Keys: keys, Words: words}
		heavy := make([]int, 0, len(vocab))
		for j, w := range c {
			if w > 0 {
				heavy = append(heavy, j)
			}
		}
		sort.Slice(heavy, func(x, y int) bool { return c[heavy[x]] > c[heavy[y]] })
		if len(heavy) > termsPerTopic {
			heavy = heavy[:termsPerTopic]
		}
		var norm float64
		for _, j := range heavy {
			norm += c[j] * c[j]
		}
		norm = math.Sqrt(norm)
		for _, j := range heavy {
			t.Terms[vocab[j]] = c[j] / norm
		}
		m.Topics = append(m.Topics, t)
	}
	// Keep only the weights a topic uses: Assign ignores other terms' contributions to a
	// case's direction except through its length, which the rest of the vocabulary sets.
	m.prepare()
	return m
}

// LearnKinds learns the topics of each kind of text apart, with the kind's own vocabulary,
// term weights and number of topics: a review's line about a noisy room and a complaint's
// page about a mortgage have little in common, and learned together the many short reviews
// took most topics from the complaints (the CFPB narratives' ten largest topics lost half
// their purity beside 10,000 hotel reviews) while the long narratives' common words crowded
// the reviews' out.
func LearnKinds(a *Analyzer, docs []Doc, o LearnOptions) *Model {
	byKind := map[string][]string{}
	for _, d := range docs {
		byKind[d.Kind] = append(byKind[d.Kind], d.Text)
	}
	m := &Model{Docs: len(docs), Parts: map[string]*Model{}}
	taken := func(id string) bool { return slices.ContainsFunc(m.Topics, func(t Topic) bool { return t.ID == id }) }
	for _, kind := range slices.Sorted(maps.Keys(byKind)) {
		part := Learn(a, byKind[kind], o)
		for i := range part.Topics {
			t := &part.Topics[i]
			t.Kind = kind
			// Ids stay unique across kinds: a topic's cases are found by its id.
			for id, n := t.ID, 2; taken(t.ID) || slices.ContainsFunc(part.Topics[i+1:], func(u Topic) bool { return u.ID == t.ID }); n++ {
				t.ID = fmt.Sprintf("%s-%d", id, n)
			}
			m.Topics = append(m.Topics, Topic{ID: t.ID, Name: t.Name, Phrases: t.Phrases, Kind: kind})
		}
		m.Parts[kind] = part
	}
	m.prepare()
	return m
}

// overlaps reports whether term's surface repeats a word of a phrase already chosen, so a
// topic's phrases say different things ("late payment", not also "late payments reported").
func overlaps(term string, phrases []string, surfaces map[string]map[string]int) bool {
	s := strings.Fields(commonSurface(surfaces[term], term))
	for _, p := range phrases {
		for _, w := range strings.Fields(p) {
			if slices.Contains(s, w) {
				return true
			}
		}
	}
	return false
}

func commonSurface(forms map[string]int, fallback string) string {
	best, bestN := fallback, 0
	for s, c := range forms {
		if c > bestN || (c == bestN && s < best) {
			best, bestN = s, c
		}
	}
	return best
}

// Slug makes a topic id from its name: lower-case letters and digits joined by hyphens.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// sparse is a unit-length document vector: vocabulary column -> weight.
type sparse map[int]float64

// vector is a document's TF-IDF vector (sublinear term frequency) over the vocabulary.
func (m *Model) vector(tf map[string]int, col map[string]int) sparse {
	v := sparse{}
	var norm float64
	for term, c := range tf {
		j, ok := col[term]
		if !ok {
			continue
		}
		w := (1 + math.Log(float64(c))) * m.IDF[term]
		v[j] = w
		norm += w * w
	}
	if norm == 0 {
		return nil
	}
	norm = math.Sqrt(norm)
	for j := range v {
		v[j] /= norm
	}
	return v
}

// kmeans is spherical k-means (cosine similarity) with a k-means++ start.
func kmeans(vecs []sparse, dims, k, rounds int, seed uint64) [][]float64 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	centroids := make([][]float64, 0, k)
	dense := func(v sparse) []float64 {
		c := make([]float64, dims)
		for j, w := range v {
			c[j] = w
		}
		return c
	}
	centroids = append(centroids, dense(vecs[r.IntN(len(vecs))]))
	dist := make([]float64, len(vecs))
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	for len(centroids) < k {
		last := centroids[len(centroids)-1]
		var total float64
		for i, v := range vecs {
			d := 1 - dot(v, last)
			dist[i] = min(dist[i], d*d)
			total += dist[i]
		}
		if total == 0 {
			break
		}
		x := r.Float64() * total
		pick := len(vecs) - 1
		for i, d := range dist {
			x -= d
			if x <= 0 {
				pick = i
				break
			}
		}
		centroids = append(centroids, dense(vecs[pick]))
	}
	assign := make([]int, len(vecs))
	for round := 0; round < rounds; round++ {
		changed := 0
		for i, v := range vecs {
			c, _ := nearest(v, centroids)
			if c != assign[i] || round == 0 {
				changed++
			}
			assign[i] = c
		}
		for _, c := range centroids {
			clear(c)
		}
		for i, v := range vecs {
			c := centroids[assign[i]]
			for j, w := range v {
				c[j] += w
			}
		}
		for _, c := range centroids {
			var norm float64
			for _, w := range c {
				norm += w * w
			}
			if norm == 0 {
				continue
			}
			norm = math.Sqrt(norm)
			for j := range c {
				c[j] /= norm
			}
		}
		if changed == 0 {
			break
		}
	}
	return centroids
}

func dot(v sparse, c []float64) float64 {
	var s float64
	for j, w := range v {
		s += w * c[j]
	}
	return s
}

func nearest(v sparse, centroids [][]float64) (int, float64) {
	best, bestSim := 0, math.Inf(-1)
	for k, c := range centroids {
		if s := dot(v, c); s > bestSim {
			best, bestSim = k, s
		}
	}
	return best, bestSim
}

// prepare builds the term -> topics index Assign reads.
func (m *Model) prepare() {
	for _, p := range m.Parts {
		p.prepare()
	}
	m.index = map[string][]weight{}
	for k, t := range m.Topics {
		for term, w := range t.Terms {
			m.index[term] = append(m.index[term], weight{k, w})
		}
	}
}

// AssignDoc is Assign for a text of a kind: a model learned by kinds asks its part of that
// kind (none for a kind it has not learned yet), one learned over every text asks itself.
func (m *Model) AssignDoc(a *Analyzer, d Doc) []string {
	if m != nil && len(m.Parts) > 0 {
		return m.Parts[d.Kind].Assign(a, d.Text)
	}
	return m.Assign(a, d.Text)
}

// Assign returns the id of the topic a text belongs to, or nil when it is like none of them.
// It costs one pass over the text and a map lookup per term.
func (m *Model) Assign(a *Analyzer, text string) []string {
	if m == nil || len(m.Topics) == 0 || len(m.Parts) > 0 {
		return nil
	}
	if m.index == nil {
		m.prepare()
	}
	terms, _ := a.Terms(text, m.Names)
	tf := map[string]int{}
	for _, t := range terms {
		if _, ok := m.IDF[t]; ok {
			tf[t]++
		}
	}
	has := func(k string) bool { return tf[k] > 0 }
	minSim, minMargin, signed := m.MinSimilarity, m.MinMargin, func(t Topic) bool {
		return len(t.Keys) == 0 || slices.ContainsFunc(t.Keys, has)
	}
	if m.ShortSimilarity > 0 { // learned over short texts
		minSim, minMargin = m.ShortSimilarity, 0
		signed = func(t Topic) bool {
			return len(t.Keys) == 0 || slices.ContainsFunc(t.Keys, has) || slices.ContainsFunc(t.Words, has)
		}
	}
	var norm float64
	scores := make([]float64, len(m.Topics))
	for term, c := range tf {
		w := (1 + math.Log(float64(c))) * m.IDF[term]
		norm += w * w
		for _, tw := range m.index[term] {
			scores[tw.topic] += w * tw.w
		}
	}
	if norm == 0 {
		return nil
	}
	best, second := 0, -1
	for k, s := range scores {
		if s > scores[best] {
			best, second = k, best
		} else if k != best && (second < 0 || s > scores[second]) {
			second = k
		}
	}
	if scores[best]/math.Sqrt(norm) < minSim {
		return nil
	}
	if minMargin > 0 && second >= 0 && scores[best] < minMargin*scores[second] {
		return nil
	}
	if !signed(m.Topics[best]) {
		return nil // like the topic, but without its signature: left out rather than guessed
	}
	return []string{m.Topics[best].ID}
}

// Topic returns the topic with the given id.
func (m *Model) Topic(id string) (Topic, bool) {
	if m == nil {
		return Topic{}, false
	}
	for _, t := range m.Topics {
		if t.ID == id {
			return t, true
		}
	}
	return Topic{}, false
}
