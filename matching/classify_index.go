package matching

import (
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
)

// Relevance model parameters. The model is Okapi BM25 with the targets'
// profiles as the documents and the application as the query.
const (
	bm25K1 = 1.2  // saturation of a term's weight within a profile
	bm25B  = 0.3  // profile length normalisation (profiles differ mostly by how much they were taught)
	queryK = 2.0  // saturation of a term repeated in the application
	scaleK = 18.0 // raw score giving 1-1/e ≈ 0.63 after normalisation

	weightName    = 3.0 // a word of a target's name, per language
	weightKeyword = 2.0 // a keyword (a phrase gives this to its bigram, half to each word)
	weightDesc    = 1.0 // a word of a target's description
	weightProfile = 1.0 // a word of a target's matching profile
	// weightLearned is the Rocchio weight of a target's learned texts: the
	// profile gains weightLearned times their centroid, so a word in every
	// text filed under the target weighs like a keyword and a word in one
	// of ten texts a tenth of that.
	weightLearned = 1.0
	// weightForeign is the weight, as a learned text, of a correction in
	// the profiles of the two other languages (see addLearned). On the
	// development set, learning only from applications in the other
	// languages (5-fold) gains 0.02 top-1 in English with 1.0, nothing
	// with 0.5.
	weightForeign = 1.0

	weightFuzzy    = 0.9 // a stem matching a profile stem up to an inflection-length ending
	weightCompound = 0.8 // a part of a compound word matching a profile term

	minPartRunes   = 5 // shortest known word accepted as the first part of a compound
	minHeadRunes   = 4 // shortest last part of a compound analysed on its own
	minStemPart    = 5 // shortest known stem accepted as part of a compound
	minCompound    = 8 // shortest word tried as a compound
	minFuzzyPrefix = 5 // fewest shared leading runes for a fuzzy stem match
	maxFuzzyTail   = 2 // most runes either stem may have past the shared prefix
	cacheLimit     = 1 << 17
)

// feat is one profile term a word of an application stands for, with the
// confidence of the match.
type feat struct {
	id int32
	w  float32
}

// analysis is what a word means to a lexicon: the exact term (or -1) used
// to find phrases, and every term it counts for.
type analysis struct {
	primary int32
	feats   []feat
	stop    bool // a function or generic word: does not break a phrase
}

// lexicon is the immutable index of the targets' profiles in one language,
// plus a cache of analysed words. A new lexicon is built whenever a
// profile changes.
type lexicon struct {
	li     int
	nT     int
	keys   []string           // by id
	terms  map[string]int32   // stem, or "stem stem" for a phrase -> id
	pairs  map[uint64]int32   // (first id, second id) -> phrase id
	isPair []bool             // by id
	weight []float32          // id*nT + target -> idf * saturated profile tf
	trunc  map[string][]int32 // stem with 0-2 final runes dropped -> ids
	parts  map[string]int32   // known word or stem -> id, for compounds

	mu    sync.RWMutex
	cache map[string]analysis
}

// profileSet is the mutable source of the lexicons: per language and
// target, the weighted frequency of each term, and the surface words that
// produced them.
//
// For inverse document frequency the collection is the targets' configured
// profiles, one document each, plus every learned text as a document of
// its own: words every pitch uses end up in most documents and weigh
// little, words particular to a subject keep their weight.
type profileSet struct {
	tf       [len(languages)][]map[string]float64
	surfaces [len(languages)]map[string]string
	confDF   [len(languages)]map[string]int       // configured profiles holding a term
	learnDF  [len(languages)]map[string]float64   // learned texts holding a term (weighted)
	learnTF  [len(languages)][]map[string]float64 // per target: its learned texts holding a term (weighted)
	learnN   [len(languages)][]float64            // per target: its learned texts (weighted)
	learned  [len(languages)]float64              // learned texts (weighted)
	frozen   bool                                 // configuration done: confDF counted
}

func newProfileSet(n int) *profileSet {
	p := &profileSet{}
	for li := range languages {
		p.tf[li] = make([]map[string]float64, n)
		for t := range n {
			p.tf[li][t] = make(map[string]float64)
		}
		p.surfaces[li] = make(map[string]string)
		p.confDF[li] = make(map[string]int)
		p.learnDF[li] = make(map[string]float64)
		p.learnTF[li] = make([]map[string]float64, n)
		for t := range n {
			p.learnTF[li][t] = make(map[string]float64)
		}
		p.learnN[li] = make([]float64, n)
	}
	return p
}

// freeze ends configuration: it counts in how many configured profiles
// each term occurs, before any learned text adds to them.
func (p *profileSet) freeze() {
	for li := range languages {
		for _, prof := range p.tf[li] {
			for k := range prof {
				p.confDF[li][k]++
			}
		}
	}
	p.frozen = true
}

// content returns the content words of s in language li with their stems.
func content(li int, s string) (words, stems []string) {
	for _, w := range tokenize(s) {
		st := stem(li, w)
		if isStopWord(li, w, st) {
			continue
		}
		words = append(words, w)
		stems = append(stems, st)
	}
	return words, stems
}

// addText adds every content word of s to target t's profile in language
// li with weight w.
func (p *profileSet) addText(li, t int, s string, w float64) {
	words, stems := content(li, s)
	for i, st := range stems {
		p.tf[li][t][st] += w
		p.surfaces[li][words[i]] = st
	}
}

// addKeyword adds a keyword: a single word with weight w, a phrase as its
// consecutive word pairs with weight w and each word with w/2.
func (p *profileSet) addKeyword(li, t int, kw string, w float64) {
	words, stems := content(li, kw)
	if len(stems) == 1 {
		p.addText(li, t, kw, w)
		return
	}
	for i, st := range stems {
		p.tf[li][t][st] += w / 2
		p.surfaces[li][words[i]] = st
		if i > 0 {
			p.tf[li][t][stems[i-1]+" "+st] += w
		}
	}
}

// addLearned adds each distinct content word of s, a text in language
// src, once to the learned profile of target t in language li, as a text
// of weight w. For another language than its own (li != src) the words
// are stemmed as that language's and its stop words are left out: what
// transfers are the words languages share (names, loanwords, technical
// terms such as LoRaWAN or dementia).
func (p *profileSet) addLearned(li, src, t int, s string, w float64) {
	words, stems := content(src, s)
	p.learned[li] += w
	p.learnN[li][t] += w
	seen := make(map[string]bool, len(stems))
	for i, st := range stems {
		if li != src {
			st = stem(li, words[i])
			if isStopWord(li, words[i], st) {
				continue
			}
		}
		if seen[st] {
			continue
		}
		seen[st] = true
		p.learnTF[li][t][st] += w
		p.learnDF[li][st] += w
		if runeLen(words[i]) >= minCompound-2 {
			p.surfaces[li][words[i]] = st
		}
	}
}

// build indexes language li of the profiles with BM25 weights.
func (p *profileSet) build(li int) *lexicon {
	nT := len(p.tf[li])
	profiles := make([]map[string]float64, nT)
	for t, conf := range p.tf[li] {
		profiles[t] = conf
		if n := p.learnN[li][t]; n > 0 {
			profiles[t] = maps.Clone(conf)
			for k, c := range p.learnTF[li][t] {
				if conf[k] == 0 && p.confDF[li][k] > 0 {
					continue // configured as another target's word
				}
				profiles[t][k] += weightLearned * c / n
			}
		}
	}
	keys := make([]string, 0, 256)
	seen := make(map[string]bool)
	lengths := make([]float64, nT)
	var total float64
	for t, prof := range profiles {
		for k, v := range prof {
			lengths[t] += v
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		total += lengths[t]
	}
	slices.Sort(keys)
	avg := total / math.Max(1, float64(nT))
	n := float64(nT) + p.learned[li] // documents for idf
	lx := &lexicon{
		li: li, nT: nT, keys: keys,
		terms:  make(map[string]int32, len(keys)),
		pairs:  make(map[uint64]int32),
		isPair: make([]bool, len(keys)),
		weight: make([]float32, len(keys)*nT),
		trunc:  make(map[string][]int32),
		parts:  make(map[string]int32),
		cache:  make(map[string]analysis),
	}
	for id, k := range keys {
		lx.terms[k] = int32(id)
	}
	for id, k := range keys {
		df := float64(p.confDF[li][k]) + p.learnDF[li][k]
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for t, prof := range profiles {
			tf := prof[k]
			if tf == 0 {
				continue
			}
			norm := bm25K1 * (1 - bm25B + bm25B*lengths[t]/math.Max(avg, 1e-9))
			lx.weight[id*nT+t] = float32(idf * tf * (bm25K1 + 1) / (tf + norm))
		}
		if a, b, ok := strings.Cut(k, " "); ok {
			lx.isPair[id] = true
			ia, oka := lx.terms[a]
			ib, okb := lx.terms[b]
			if oka && okb {
				lx.pairs[uint64(ia)<<32|uint64(uint32(ib))] = int32(id)
			}
			continue
		}
		rn := runeLen(k)
		for drop := 0; drop <= maxFuzzyTail && rn-drop >= minFuzzyPrefix; drop++ {
			key := trimRunes(k, drop)
			lx.trunc[key] = append(lx.trunc[key], int32(id))
		}
		if rn >= minStemPart {
			lx.parts[k] = int32(id)
		}
	}
	for w, st := range p.surfaces[li] {
		if id, ok := lx.terms[st]; ok && runeLen(w) >= minPartRunes {
			lx.parts[w] = id
		}
	}
	return lx
}

// lookup returns the cached analysis of word, if any. Callers hold mu.
func (lx *lexicon) lookup(word []byte) (analysis, bool) {
	a, ok := lx.cache[string(word)]
	return a, ok
}

// store caches the analysis of word unless the cache is full.
func (lx *lexicon) store(word string, a analysis) {
	lx.mu.Lock()
	if len(lx.cache) < cacheLimit {
		lx.cache[word] = a
	}
	lx.mu.Unlock()
}

// analyse finds the profile terms a lower-cased word stands for: its stem
// exactly, else a profile stem differing only in a short ending (Finnish
// and Swedish stems of one word vary with case), else, for a long word,
// the known parts of a compound.
func (lx *lexicon) analyse(word string) analysis {
	st := stem(lx.li, word)
	if isStopWord(lx.li, word, st) {
		return analysis{primary: -1, stop: true}
	}
	if id, ok := lx.matchStem(st); ok {
		if lx.terms[st] == id {
			return analysis{primary: id, feats: []feat{{id, 1}}}
		}
		return analysis{primary: id, feats: []feat{{id, weightFuzzy}}}
	}
	if lx.li != 1 {
		if r := []rune(word); len(r) >= minCompound {
			return analysis{primary: -1, feats: lx.compound(r, 0)}
		}
	}
	return analysis{primary: -1}
}

// matchStem finds the profile term for stem st: itself, or the stem
// sharing the longest prefix of at least minFuzzyPrefix runes with at most
// maxFuzzyTail runes left over on either side.
func (lx *lexicon) matchStem(st string) (int32, bool) {
	if id, ok := lx.terms[st]; ok && !lx.isPair[id] {
		return id, true
	}
	n := runeLen(st)
	best, bestCP := int32(-1), 0
	for drop := 0; drop <= maxFuzzyTail && n-drop >= minFuzzyPrefix; drop++ {
		for _, id := range lx.trunc[trimRunes(st, drop)] {
			cand := lx.keys[id]
			cp := commonPrefixRunes(st, cand)
			if cp < minFuzzyPrefix || n-cp > maxFuzzyTail || runeLen(cand)-cp > maxFuzzyTail {
				continue
			}
			if cp > bestCP || (cp == bestCP && id < best) {
				best, bestCP = id, cp
			}
		}
	}
	return best, best >= 0
}

// compound splits a long word into a known first part (the longest one)
// and a head analysed on its own, allowing a Finnish genitive n or a
// Swedish linking s between them; with no known first part it looks for
// the longest known last part.
func (lx *lexicon) compound(r []rune, depth int) []feat {
	n := len(r)
	for i := n - 3; i >= minPartRunes; i-- {
		id, ok := lx.parts[string(r[:i])]
		if !ok && i >= minFuzzyPrefix+2 {
			// A first part in its compound form: kotoutumis- for
			// kotoutuminen, energia- or energian- for energia.
			id, ok = lx.matchStem(string(r[:i]))
		}
		if !ok {
			continue
		}
		out := []feat{{id, weightCompound}}
		head := r[i:]
		hf := lx.head(head, depth)
		if hf == nil && len(head) > 4 && ((lx.li == 0 && head[0] == 'n') || (lx.li == 2 && head[0] == 's')) {
			hf = lx.head(head[1:], depth)
		}
		return append(out, hf...)
	}
	for i := 3; n-i >= minPartRunes; i++ { // a known last part
		if id, ok := lx.matchStem(stemNoCache(lx.li, string(r[i:]))); ok {
			return []feat{{id, weightCompound}}
		}
	}
	return nil
}

// head analyses the last part of a compound.
func (lx *lexicon) head(r []rune, depth int) []feat {
	if len(r) < minHeadRunes {
		return nil
	}
	w := string(r)
	st := stemNoCache(lx.li, w)
	if isStopWord(lx.li, w, st) {
		return nil
	}
	if id, ok := lx.matchStem(st); ok {
		return []feat{{id, weightCompound}}
	}
	if depth < 2 && len(r) >= minCompound {
		return lx.compound(r, depth+1)
	}
	return nil
}
