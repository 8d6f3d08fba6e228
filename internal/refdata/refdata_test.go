package refdata

import (
	"strings"
	"testing"
)

func TestShippedData(t *testing.T) {
	gs, err := Gemeinden()
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 418 {
		t.Fatalf("got %d municipalities, want 418", len(gs))
	}
	seen := map[string]bool{}
	for _, g := range gs {
		if seen[g.AGS] || !strings.HasPrefix(g.AGS, "14") {
			t.Fatalf("bad or duplicate AGS %q", g.AGS)
		}
		seen[g.AGS] = true
	}
	if !seen["14713000"] || !seen["14612000"] {
		t.Fatal("Leipzig or Dresden missing")
	}
	wz, err := WZ2008()
	if err != nil || len(wz) < 1000 {
		t.Fatalf("wz: %d entries, %v", len(wz), err)
	}
	k, err := KammernByKreis()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if _, ok := k[g.Kreis]; !ok {
			t.Errorf("no chambers for district %q", g.Kreis)
		}
	}
}

func TestParseGemeindenRejectsBadRows(t *testing.T) {
	for _, in := range []string{
		"ags,name,kreis,plz,einwohner\n1471300,X,K,04109,1\n",
		"ags,name,kreis,plz,einwohner\n14713000,,K,04109,1\n",
		"ags,name,kreis,plz,einwohner\n14713000,X,K,0410,1\n",
		"ags,name,kreis,plz,einwohner\n14713000,X,K,04109,-1\n",
		"name,ags,kreis,plz,einwohner\n",
	} {
		if _, err := ParseGemeinden(strings.NewReader(in)); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}
