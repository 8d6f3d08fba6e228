// Package document renders the PDFs Rathaus hands out (the filled Gewerbeanzeige form GewA 1/2/3
// and the Empfangsbescheinigung of § 15 Abs. 1 GewO) deterministically from stored data, with
// codeberg.org/go-pdf/fpdf and the embedded Go fonts (BSD licence, reproduced in README.md).
//
// Renders are pure functions of their input and safe for concurrent use. The package depends
// only on the gewerbe domain types.
package document
