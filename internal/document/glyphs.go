package document

import (
	"strings"
	"sync"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// replacement is printed for a character the fonts cannot show. The fonts have a glyph for it.
const replacement = '\uFFFD'

// glyphCoverage is the set of BMP runes both fonts have a glyph for, computed once per
// process. fpdf must never see any other rune: it indexes fixed 64 Ki tables by rune and
// panics on one outside the BMP (an emoji in a name would crash the render).
var glyphCoverage = sync.OnceValue(func() *[65536 / 64]uint64 {
	var set [65536 / 64]uint64
	var fonts []*sfnt.Font
	for _, ttf := range [][]byte{fontRegular, fontBold} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			panic("document: embedded font: " + err.Error()) // compiled-in data
		}
		fonts = append(fonts, f)
	}
	var buf sfnt.Buffer
	for r := rune(0x20); r < 0x10000; r++ {
		ok := true
		for _, f := range fonts {
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				ok = false
				break
			}
		}
		if ok {
			set[r/64] |= 1 << (r % 64)
		}
	}
	return &set
})

// printable prepares text for the fonts: composed to NFC (a name typed as "e" + combining
// acute becomes "é", which the fonts have), line breaks kept, every other character without
// a glyph replaced by U+FFFD so that a loss is visible rather than silent.
func printable(s string) string {
	set := glyphCoverage()
	s = norm.NFC.String(s)
	return strings.Map(func(r rune) rune {
		if r == '\n' || (r < 0x10000 && set[r/64]&(1<<(r%64)) != 0) {
			return r
		}
		return replacement
	}, s)
}
