package document

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var pdfDir = flag.String("pdfdir", "", "write the rendered test PDFs to this directory")

func TestDumpPDFs(t *testing.T) {
	if *pdfDir == "" {
		t.Skip("no -pdfdir")
	}
	for name, fn := range map[string]func() ([]byte, error){
		"gewa1-einzel":  func() ([]byte, error) { return RenderGewerbeanzeige(anmeldungEinzel(), testMeta) },
		"gewa1-gmbh":    func() ([]byte, error) { return RenderGewerbeanzeige(anmeldungGmbH(), testMeta) },
		"gewa2":         func() ([]byte, error) { return RenderGewerbeanzeige(ummeldung(), testMeta) },
		"gewa3":         func() ([]byte, error) { return RenderGewerbeanzeige(abmeldung(), testMeta) },
		"receipt":       func() ([]byte, error) { return RenderEmpfangsbescheinigung(testReceipt()) },
		"antrag":        func() ([]byte, error) { return RenderAntrag(testAntrag()) },
		"eingang":       func() ([]byte, error) { return RenderEingangsbestaetigung(testGenericReceipt()) },
		"bescheid":      func() ([]byte, error) { return RenderBescheid(testBescheid()) },
		"bescheid-lang": func() ([]byte, error) { return RenderBescheid(longBescheid()) },
	} {
		b, err := fn()
		if err != nil {
			t.Fatal(name, err)
		}
		if err := os.WriteFile(filepath.Join(*pdfDir, name+".pdf"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
