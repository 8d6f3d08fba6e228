package document

import _ "embed"

// The document font: DejaVu Sans Condensed 2.37 (regular and bold, fonts/, Bitstream Vera licence with
// the DejaVu changes in the public domain, fonts/LICENSE). It replaced the Go fonts, which
// lack the Latin letters with stacked diacritics: Vietnamese names — "Nguyễn Thị Hải" in
// Dresden and Leipzig — printed as "Nguy�n Th� H�i" on the legally required forms. DejaVu
// covers Latin Extended Additional, Greek and Cyrillic.
var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	fontBold []byte
)
