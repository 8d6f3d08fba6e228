// Package document renders the PDFs Rathaus hands out deterministically from stored data, with
// codeberg.org/go-pdf/fpdf and the embedded DejaVu Sans Condensed (licence in fonts/LICENSE):
// the filled Gewerbeanzeige form GewA 1/2/3 and the Empfangsbescheinigung of § 15 Abs. 1 GewO,
// the application of a procedure defined as form data (Antrag) and its Eingangsbestätigung,
// and the Bescheid as an official letter, whose texts offices keep as templates (FillTemplate).
//
// Renders are pure functions of their input and safe for concurrent use. The package depends
// only on the gewerbe domain types.
package document
