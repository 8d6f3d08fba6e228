// Package refdata embeds the reference data Rathaus ships (see README.md for sources and
// licences) and parses it into plain Go values. It has no other dependencies.
package refdata

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

//go:embed sachsen-gemeinden.csv
var gemeindenCSV []byte

//go:embed wz2008.csv
var wzCSV []byte

//go:embed sachsen-kammern.csv
var kammernCSV []byte

// Gemeinde is one municipality row.
type Gemeinde struct {
	AGS       string
	Name      string
	Kreis     string
	PLZ       []string
	Einwohner int
}

// WZ is one entry of the WZ 2008 classification (any level: section letter, 2-digit division,
// group 01.1, class 01.11, subclass 01.11.0).
type WZ struct {
	Code  string
	Title string
}

// Kammern names the chambers and the register court responsible for one district.
type Kammern struct {
	Kreis           string
	IHK             string
	HWK             string
	Registergericht string
}

// Gemeinden returns the shipped municipalities of Saxony.
func Gemeinden() ([]Gemeinde, error) { return ParseGemeinden(bytes.NewReader(gemeindenCSV)) }

// ParseGemeinden reads a municipality CSV with the header ags,name,kreis,plz,einwohner.
func ParseGemeinden(r io.Reader) ([]Gemeinde, error) {
	rows, err := readCSV(r, []string{"ags", "name", "kreis", "plz", "einwohner"})
	if err != nil {
		return nil, err
	}
	out := make([]Gemeinde, 0, len(rows))
	for i, row := range rows {
		ags := strings.TrimSpace(row[0])
		if len(ags) != 8 || strings.Trim(ags, "0123456789") != "" {
			return nil, fmt.Errorf("line %d: AGS %q is not 8 digits", i+2, ags)
		}
		name := strings.TrimSpace(row[1])
		if name == "" {
			return nil, fmt.Errorf("line %d: name is empty", i+2)
		}
		ew := 0
		if s := strings.TrimSpace(row[4]); s != "" {
			if ew, err = strconv.Atoi(s); err != nil || ew < 0 {
				return nil, fmt.Errorf("line %d: population %q is not a number", i+2, s)
			}
		}
		plz := strings.Fields(row[3])
		for _, p := range plz {
			if len(p) != 5 || strings.Trim(p, "0123456789") != "" {
				return nil, fmt.Errorf("line %d: postal code %q is not 5 digits", i+2, p)
			}
		}
		out = append(out, Gemeinde{AGS: ags, Name: name, Kreis: strings.TrimSpace(row[2]), PLZ: plz, Einwohner: ew})
	}
	return out, nil
}

// WZ2008 returns the shipped WZ 2008 classification in file order.
func WZ2008() ([]WZ, error) {
	rows, err := readCSV(bytes.NewReader(wzCSV), []string{"code", "title"})
	if err != nil {
		return nil, err
	}
	out := make([]WZ, len(rows))
	for i, row := range rows {
		out[i] = WZ{Code: row[0], Title: row[1]}
	}
	return out, nil
}

// KammernByKreis returns the chambers and register court per district name.
func KammernByKreis() (map[string]Kammern, error) {
	rows, err := readCSV(bytes.NewReader(kammernCSV), []string{"kreis", "ihk", "hwk", "registergericht"})
	if err != nil {
		return nil, err
	}
	out := make(map[string]Kammern, len(rows))
	for _, row := range rows {
		out[row[0]] = Kammern{Kreis: row[0], IHK: row[1], HWK: row[2], Registergericht: row[3]}
	}
	return out, nil
}

func readCSV(r io.Reader, header []string) ([][]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(header)
	all, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("csv: empty file")
	}
	for i, h := range header {
		if strings.TrimSpace(strings.TrimPrefix(all[0][i], "\ufeff")) != h {
			return nil, fmt.Errorf("csv: column %d is %q, want %q", i+1, all[0][i], h)
		}
	}
	return all[1:], nil
}
