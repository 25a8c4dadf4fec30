// A reader for CSV files of numbers, the input of the `microprop` tool. It parses a whole
// buffer at once and either returns every row or the first problem with its line and
// column. It is its own library (microprop_csv) so a fuzzer can link it alone: whatever
// the bytes, it returns in time linear in their length, without undefined behaviour.
//
// The format it accepts:
//   - fields separated by commas; spaces and tabs around a field are ignored;
//   - a field may be enclosed in double quotes ("" inside stands for one quote); a quoted
//     field may hold commas but not a line break;
//   - lines end with \n, \r\n or a lone \r; the last line needs no line break;
//   - blank lines (nothing but spaces and tabs) are skipped wherever they are;
//   - a UTF-8 byte order mark at the start is skipped;
//   - every data field is a finite decimal number: an optional sign, digits with an
//     optional decimal point, an optional exponent ("-1.5", "+.5", "2.", "6.02e23").
//     Hexadecimal, "inf" and "nan" are refused: a model cannot learn from them (the
//     library rejects non-finite inputs), so the file is wrong and says so at the field.
//     A number beyond the float range is refused; one too small for a float becomes 0;
//   - every row has as many fields as the first row;
//   - the first row may be a header (see header_mode).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace microprop::cli {

enum class header_mode {
    automatic,  // the first row is a header if any of its fields is not a number
    present,    // the first row is a header, whatever it holds
    absent,     // every row is data
};

struct csv_table {
    std::vector<std::string> header;  // column names (quotes removed); empty if no header
    std::size_t columns = 0;
    std::vector<float> values;        // rows() * columns numbers, row after row
    std::vector<std::size_t> lines;   // the line (1-based) each data row starts on

    std::size_t rows() const { return lines.size(); }
    const float* row(std::size_t r) const { return values.data() + r * columns; }
};

struct csv_error {
    std::size_t line = 0;    // 1-based line of the problem
    std::size_t column = 0;  // 1-based field number, or 0 when the whole line is at fault
    std::string message;     // one line, no trailing period
};

// Parses `text`. On success fills *table and returns true; otherwise fills *error with the
// first problem and returns false (*table is then unspecified). A file without any data
// row (empty, blank, or a header alone) is an error.
bool parse_csv(std::string_view text, header_mode header, csv_table* table, csv_error* error);

// Parses one field's text as the reader does (surrounding spaces allowed). Returns an
// empty string and sets *value on success, otherwise why the text is not a number.
std::string parse_number(std::string_view text, float* value);

// `text` made printable on one line for a message: quoted, control bytes escaped, and
// cut after `limit` bytes.
std::string quote_for_message(std::string_view text, std::size_t limit = 40);

}  // namespace microprop::cli
