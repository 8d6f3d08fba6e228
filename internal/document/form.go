package document

import "strconv"

// form is a document's content before layout: a letterhead, header rows, numbered sections
// of labelled fields, and closing notes. Building it apart from the layout keeps the legal
// content (which fields, in which order, under which label) readable in one place.
type form struct {
	title, subtitle string
	header          []field
	sections        []formSection
	notes           []string
	numbered        bool // print section and field numbers (the GewA forms) or not (a letter)
}

type formSection struct {
	title  string
	fields []field
	blocks []block // sub-sections after the fields, e.g. one per person
}

type block struct {
	title  string
	fields []field
}

type field struct {
	label, value string
	wide         bool // value on its own line below the label, at full width
}

func fld(label, value string) field { return field{label: label, value: value} }

// render lays the form out with the office as letterhead.
func (fm *form) render(info docInfo, o Office) ([]byte, error) {
	w := newWriter(info)
	if !fm.numbered {
		w.numW = 0
	}
	w.letterhead(o, fm.title, fm.subtitle)
	for _, h := range fm.header {
		w.row("", h.label, h.value)
	}
	for si, s := range fm.sections {
		num := ""
		if fm.numbered {
			num = strconv.Itoa(si + 1)
		}
		w.section(num, s.title)
		w.fields(num, s.fields, fm.numbered)
		for bi, b := range s.blocks {
			bnum := ""
			if fm.numbered {
				bnum = num + "." + strconv.Itoa(len(s.fields)+bi+1)
			}
			w.block(bnum, b.title)
			w.fields(bnum, b.fields, fm.numbered)
		}
	}
	for _, n := range fm.notes {
		w.paragraph(n, "", 8.5)
	}
	return w.bytes()
}

func (w *writer) fields(prefix string, fs []field, numbered bool) {
	for i, fl := range fs {
		if fl.wide {
			w.wide(fl.label, fl.value, "B", 10)
			continue
		}
		num := ""
		if numbered {
			num = prefix + "." + strconv.Itoa(i+1)
		}
		w.row(num, fl.label, fl.value)
	}
}
