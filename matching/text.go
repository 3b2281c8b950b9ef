package matching

import (
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	snowball "github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/finnish"
	"github.com/blevesearch/snowballstem/swedish"
)

// Languages the matcher understands, in the order Finnish first.
const (
	langFI = "fi"
	langEN = "en"
	langSV = "sv"
)

// languages lists the supported language codes; the index of a code is its
// position in per-language arrays.
var languages = [...]string{langFI, langEN, langSV}

// langIndex returns the position of lang in languages, or -1.
func langIndex(lang string) int {
	switch lang {
	case langFI:
		return 0
	case langEN:
		return 1
	case langSV:
		return 2
	}
	return -1
}

// span is a token's byte range in a lower-cased buffer.
type span struct{ start, end int32 }

// lowerTokens lower-cases s into buf and returns the spans of its tokens in
// buf. A token is a maximal run of letters, digits and combining marks that
// contains at least one letter; everything else separates tokens. The
// results are appended to buf and spans, so that callers can pool them and
// tokenise several fields one after another.
func lowerTokens(s string, buf []byte, spans []span) ([]byte, []span) {
	start, hasLetter := -1, false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf { // ASCII fast path
			i++
			switch asciiClass[c] {
			case classLetter:
				hasLetter = true
			case classUpper:
				c += 'a' - 'A'
				hasLetter = true
			case classDigit:
			default:
				if start >= 0 && hasLetter {
					spans = append(spans, span{int32(start), int32(len(buf))})
				}
				start, hasLetter = -1, false
				continue
			}
			if start < 0 {
				start = len(buf)
			}
			buf = append(buf, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0xC0 && r <= 0xFF && r != 0xD7 && r != 0xF7 { // Latin-1 letters: ä ö å é …
			if r <= 0xDE {
				r += 0x20
			}
			if start < 0 {
				start = len(buf)
			}
			hasLetter = true
			buf = utf8.AppendRune(buf, r)
			continue
		}
		switch {
		case unicode.IsLetter(r):
			hasLetter = true
		case unicode.IsDigit(r):
		case unicode.Is(unicode.Mn, r) && start >= 0:
		default:
			if start >= 0 && hasLetter {
				spans = append(spans, span{int32(start), int32(len(buf))})
			}
			start, hasLetter = -1, false
			continue
		}
		if start < 0 {
			start = len(buf)
		}
		buf = utf8.AppendRune(buf, unicode.ToLower(r))
	}
	if start >= 0 && hasLetter {
		spans = append(spans, span{int32(start), int32(len(buf))})
	}
	return buf, spans
}

// Classes of ASCII bytes for lowerTokens.
const (
	classSep = iota
	classLetter
	classUpper
	classDigit
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = classLetter
		t[c-'a'+'A'] = classUpper
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = classDigit
	}
	return t
}()

// tokenize returns the lower-cased tokens of s. It is the allocation-heavy
// form of lowerTokens, for profiles and tests.
func tokenize(s string) []string {
	buf, spans := lowerTokens(s, nil, nil)
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = string(buf[sp.start:sp.end])
	}
	return out
}

// DetectLanguage guesses whether text is Finnish ("fi"), English ("en") or
// Swedish ("sv") from its function words and a few letter patterns. Text
// with no evidence either way (empty, numbers only) is taken to be
// Finnish, the bot's first language.
func DetectLanguage(text string) string {
	buf, spans := lowerTokens(text, nil, nil)
	lang, _ := detect(buf, spans)
	return lang
}

// detect scores the tokens of buf for each language: a function word
// counts 1 divided among the languages that share it. Only when that
// leaves the languages close do spelling hints (letterHint) count too.
// sure reports that function words alone decided clearly; short texts
// such as a name or a few keywords are rarely sure.
func detect(buf []byte, spans []span) (lang string, sure bool) {
	var score [len(languages)]float64
	for k, sp := range spans {
		if mask := functionWords[string(buf[sp.start:sp.end])]; mask != 0 {
			n := float64(popcount(mask))
			for i := range languages {
				if mask&(1<<i) != 0 {
					score[i] += 1 / n
				}
			}
		}
		if k&31 == 31 { // decided already? long texts need not be read to the end
			if best, second := rank2(score); score[best] >= 6 && score[best] >= 3*score[second] {
				return languages[best], true
			}
		}
	}
	best, second := rank2(score)
	sure = score[best] >= 2 && score[best] >= 2*score[second]
	if score[best] < 3 || score[best] < 1.5*score[second] {
		for _, sp := range spans {
			if h := letterHint(buf[sp.start:sp.end]); h >= 0 {
				score[h] += 0.3
			}
		}
		best, _ = rank2(score)
	}
	return languages[best], sure
}

// rank2 returns the indexes of the highest and second highest scores;
// ties go to the earlier language.
func rank2(score [len(languages)]float64) (best, second int) {
	best, second = 0, 1
	if score[1] > score[0] {
		best, second = 1, 0
	}
	for i := 2; i < len(score); i++ {
		switch {
		case score[i] > score[best]:
			best, second = i, best
		case score[i] > score[second]:
			second = i
		}
	}
	return best, second
}

// finnishEndings are case endings and suffixes that English and Swedish
// words rarely end with.
var finnishEndings = []string{"ssa", "ssä", "sta", "stä", "lla", "llä", "lta", "ltä", "lle", "ksi", "nen", "isen", "iden", "jen", "ään", "aan", "ita", "itä"}

// englishEndings and swedishEndings are suffixes typical of one language.
var (
	englishEndings = []string{"ing", "tion", "tions", "ness", "ment", "ments", "ity", "ies", "ed"}
	swedishEndings = []string{"ning", "ningar", "ering", "eringen", "heten", "erna", "arna", "orna", "ligt", "lig", "ande", "ende"}
)

// letterHint returns the index of the language a word's spelling points
// at, or -1: å is Swedish, w or "th" is English, and so are the endings
// listed per language (the longest ending that fits decides). Hints only break near-ties between counts of
// function words.
func letterHint(w []byte) int {
	s := string(w)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 0xc3: // å is 0xc3 0xa5 in UTF-8
			if i+1 < len(s) && s[i+1] == 0xa5 {
				return 2
			}
		case 'w':
			return 1
		case 't':
			if i+1 < len(s) && s[i+1] == 'h' {
				return 1
			}
		}
	}
	hint, longest := -1, 0
	if len(s) >= 5 {
		for li, endings := range [...][]string{finnishEndings, englishEndings, swedishEndings} {
			for _, e := range endings {
				if len(e) > longest && len(s) > len(e) && s[len(s)-len(e):] == e {
					hint, longest = li, len(e)
				}
			}
		}
	}
	return hint
}

func popcount(m uint8) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// stemCacheLimit bounds the shared stem cache so that unbounded input
// (fuzzing, spam) cannot grow it without end; past it stems are computed
// each time.
const stemCacheLimit = 1 << 18

var (
	stemCache  [len(languages)]sync.Map // word -> stem
	stemCached atomic.Int64
)

// stem returns the Snowball stem of the lower-cased word in the language
// with index li. Results are cached; stemming is a pure function, so the
// cache is shared by all matchers.
func stem(li int, word string) string {
	if s, ok := stemCache[li].Load(word); ok {
		return s.(string)
	}
	s := stemNoCache(li, word)
	if stemCached.Load() < stemCacheLimit {
		if _, loaded := stemCache[li].LoadOrStore(word, s); !loaded {
			stemCached.Add(1)
		}
	}
	return s
}

// stemNoCache stems without the cache, for one-off strings such as the
// tails of compound words.
func stemNoCache(li int, word string) string {
	env := snowball.NewEnv(word)
	switch li {
	case 0:
		finnish.Stem(env)
	case 1:
		english.Stem(env)
	default:
		swedish.Stem(env)
	}
	return env.Current()
}

// runeLen counts the runes of s.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// commonPrefixRunes returns the number of leading runes a and b share.
func commonPrefixRunes(a, b string) int {
	n := 0
	for len(a) > 0 && len(b) > 0 {
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if ra != rb {
			break
		}
		a, b = a[sa:], b[sb:]
		n++
	}
	return n
}

// trimRunes drops the last n runes of s.
func trimRunes(s string, n int) string {
	for ; n > 0 && len(s) > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
