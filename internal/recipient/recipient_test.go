package recipient

import (
	"testing"

	"github.com/rathaus-egov/rathaus/internal/refdata"
	"github.com/rathaus-egov/rathaus/internal/routing"
)

// TestDefaultsCoverEveryMunicipality: with the shipped defaults every one of the 418
// municipalities resolves one recipient of every kind, and the chambers follow the district.
func TestDefaultsCoverEveryMunicipality(t *testing.T) {
	rs, err := Defaults()
	if err != nil {
		t.Fatal(err)
	}
	gs, _ := refdata.Gemeinden()
	for _, g := range gs {
		got := Resolve(rs, g.AGS, g.Kreis)
		if len(got) != len(routing.Kinds()) {
			t.Fatalf("%s %s (%s): %d kinds resolved", g.AGS, g.Name, g.Kreis, len(got))
		}
	}
	for ags, want := range map[string]string{"14713000": "ihk-leipzig", "14612000": "ihk-dresden", "14511000": "ihk-chemnitz", "14729245": "ihk-leipzig"} {
		var kreis string
		for _, g := range gs {
			if g.AGS == ags {
				kreis = g.Kreis
			}
		}
		if r, _ := Pick(rs, routing.KindIHK, ags, kreis); r.ID != want {
			t.Errorf("IHK of %s: %s, want %s", ags, r.ID, want)
		}
	}
	for _, r := range rs {
		if r.Connector != ConnectorInbox {
			t.Errorf("%s: default connector %s, want inbox", r.ID, r.Connector)
		}
	}
}

func TestPickMostSpecific(t *testing.T) {
	rs := []Recipient{
		{ID: "state", Kind: routing.KindFinanzamt, Active: true, Areas: []string{AreaAll}},
		{ID: "kreis", Kind: routing.KindFinanzamt, Active: true, Areas: []string{AreaKreis("Landkreis Bautzen")}},
		{ID: "ags", Kind: routing.KindFinanzamt, Active: true, Areas: []string{AreaAGS("14625020")}},
		{ID: "off", Kind: routing.KindFinanzamt, Active: false, Areas: []string{AreaAGS("14625030")}},
	}
	for _, c := range []struct{ ags, kreis, want string }{
		{"14625020", "Landkreis Bautzen", "ags"},
		{"14625010", "Landkreis Bautzen", "kreis"},
		{"14625030", "Landkreis Bautzen", "kreis"}, // the municipality's own recipient is inactive
		{"14713000", "Leipzig, Stadt", "state"},
	} {
		if r, ok := Pick(rs, routing.KindFinanzamt, c.ags, c.kreis); !ok || r.ID != c.want {
			t.Errorf("%s: %s, want %s", c.ags, r.ID, c.want)
		}
	}
}

func TestValidate(t *testing.T) {
	base := Recipient{ID: "x", Kind: routing.KindIHK, Name: "X", Format: FormatXML, Areas: []string{AreaAll}}
	for _, c := range []struct {
		conn     Connector
		endpoint string
		secret   string
		field    string
	}{
		{ConnectorInbox, "", "", ""},
		{ConnectorHTTP, "https://empfang.example/gewerbe", "0123456789abcdef", ""},
		{ConnectorHTTP, "ftp://x", "0123456789abcdef", "endpoint"},
		{ConnectorHTTP, "https://empfang.example", "short", "secret"},
		{ConnectorSMTP, "gewerbe@ihk.example", "", ""},
		{ConnectorSMTP, "not a mail", "", "endpoint"},
		{ConnectorFolder, "/srv/transfer", "", ""},
		{ConnectorFolder, "relative", "", "endpoint"},
		{"fax", "", "", "connector"},
	} {
		r := base
		r.Connector, r.Endpoint, r.Secret = c.conn, c.endpoint, c.secret
		errs := r.Validate()
		got := ""
		if len(errs) > 0 {
			got = errs[0].Pointer
		}
		if got != c.field {
			t.Errorf("%s %q: error on %q, want %q (%v)", c.conn, c.endpoint, got, c.field, errs)
		}
	}
}
