// A streaming reader for CSV files of numbers, the input of the `microprop` tool. It pulls
// bytes from a source in chunks, keeps at most one chunk and one line in memory, and hands
// out one row of floats at a time, or the first problem with its line and column. It is
// its own library (microprop_csv) so a fuzzer can link it alone: whatever the bytes, it
// returns in time linear in their length, without undefined behaviour, in memory bounded
// by its two limits (the longest line and the read chunk), never by the input's size.
//
// The format it accepts:
//   - fields separated by commas; spaces and tabs around a field are ignored;
//   - a field may be enclosed in double quotes ("" inside stands for one quote); a quoted
//     field may hold commas but not a line break;
//   - lines end with \n, \r\n or a lone \r; the last line needs no line break;
//   - a line holds at most max_line_bytes bytes (its line break excluded): anything longer
//     (binary data, /dev/zero) is refused once that many bytes are buffered;
//   - blank lines (nothing but spaces and tabs) are skipped wherever they are;
//   - a UTF-8 byte order mark at the start is skipped;
//   - every data field is a finite decimal number: an optional sign, digits with an
//     optional decimal point, an optional exponent ("-1.5", "+.5", "2.", "6.02e23").
//     Hexadecimal, "inf" and "nan" are refused: a model cannot learn from them (the
//     library rejects non-finite inputs), so the file is wrong and says so at the field.
//     A number beyond the float range is refused; one too small for a float becomes 0.
//     Conversion is exact (correctly rounded, as std::from_chars);
//   - every row has as many fields as the first row;
//   - the first row may be a header (see header_mode);
//   - at least one data row.
//
// No allocation per field or per row once the first rows are read: the buffer, the row
// and the scratch space of quoted fields are reused. Error text is built only when there
// is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace microprop::cli {

enum class header_mode {
    automatic,  // the first row is a header if none of its fields is a number; a first
                // row mixing numbers and other text is an error at its first non-number
    present,    // the first row is a header, whatever it holds
    absent,     // every row is data
};

struct csv_error {
    std::size_t line = 0;    // 1-based line of the problem
    std::size_t column = 0;  // 1-based field number, or 0 when the whole line is at fault
    std::string message;     // one line, no trailing period
};

// Where a reader's bytes come from. read() fills at most `capacity` bytes at `data` and
// returns how many, 0 at the end of the input; it may block (a pipe) and may throw (the
// exception passes through the reader unchanged).
class byte_source {
public:
    virtual ~byte_source() = default;
    virtual std::size_t read(char* data, std::size_t capacity) = 0;
};

// A source over bytes in memory, handed out `chunk` bytes at a time (tests and fuzzers use
// small chunks to cut lines anywhere).
class memory_source final : public byte_source {
public:
    explicit memory_source(std::string_view bytes, std::size_t chunk = static_cast<std::size_t>(-1))
        : bytes_(bytes), chunk_(chunk == 0 ? 1 : chunk) {}
    std::size_t read(char* data, std::size_t capacity) override;

private:
    std::string_view bytes_;
    std::size_t chunk_;
};

class csv_reader {
public:
    static constexpr std::size_t default_max_line_bytes = std::size_t{1} << 20;  // 1 MiB
    static constexpr std::size_t default_chunk_bytes = std::size_t{1} << 18;     // 256 KiB

    // The reader allocates max_line_bytes + chunk_bytes of buffer once, here.
    csv_reader(byte_source& source, header_mode header, std::size_t max_line_bytes = default_max_line_bytes,
               std::size_t chunk_bytes = default_chunk_bytes);

    enum class result { row, end, error };
    // Reads up to the next data row: `row` (row() holds columns() numbers, line() is its
    // line), `end` (the input is over; at least one row was returned before), or `error`
    // (*error says why; the input without any data row is one). After `end` or `error`,
    // next() returns the same again.
    result next(csv_error* error);

    const float* row() const { return row_.data(); }
    std::size_t columns() const { return columns_; }
    std::size_t line() const { return row_line_; }
    // The header's fields, quotes removed; empty if the input has none (yet).
    const std::vector<std::string>& header() const { return header_; }
    // Rows returned so far.
    std::uint64_t rows() const { return rows_; }
    // Bytes taken from the source so far (read ahead of the rows returned).
    std::uint64_t bytes_read() const { return bytes_read_; }
    std::size_t max_line_bytes() const { return max_line_; }

    // Forgets everything read (lines count from 1 again, the header is detected again) and
    // reads the source from where it stands: for a source rewound to its start.
    void restart();

private:
    // The next line's content without its line break: false at the end of the input.
    bool next_line(std::string_view* line, csv_error* error);
    bool parse_row(std::string_view line, csv_error* error);
    result fail(csv_error* error);

    byte_source& source_;
    header_mode header_mode_;
    std::size_t max_line_, chunk_;
    // Zeros kept after the data, for the scans' 16-byte loads (csv_scan.hpp).
    static constexpr std::size_t padding = 16;
    std::unique_ptr<char[]> buffer_;  // capacity_ + padding bytes, touched only as filled
    std::size_t capacity_;
    std::size_t begin_ = 0, end_ = 0, scanned_ = 0;  // unread bytes [begin_, end_); no line break in [begin_, scanned_)
    bool at_end_of_input_ = false;
    bool skip_newline_ = false;  // the last line ended with \r: a \n right after belongs to it
    bool at_start_ = true;       // the byte order mark may come next
    std::size_t line_ = 0, row_line_ = 0, first_line_ = 0;
    std::size_t columns_ = 0;
    bool first_row_done_ = false;
    std::uint64_t rows_ = 0, bytes_read_ = 0;
    std::vector<float> row_;
    std::vector<std::uint32_t> ends_;  // the fast path's field bounds in a line (columns_ + 24)
    std::vector<std::string> header_;
    std::string quoted_;        // scratch for a quoted field's content
    result final_ = result::row;  // end or error once reached
    csv_error final_error_;
};

// A whole input in memory, parsed by csv_reader (tests and fuzzers; the tool streams).
struct csv_table {
    std::vector<std::string> header;  // column names (quotes removed); empty if no header
    std::size_t columns = 0;
    std::vector<float> values;        // rows() * columns numbers, row after row
    std::vector<std::size_t> lines;   // the line (1-based) each data row starts on

    std::size_t rows() const { return lines.size(); }
    const float* row(std::size_t r) const { return values.data() + r * columns; }
};

// Parses `text`, read `chunk` bytes at a time. On success fills *table and returns true;
// otherwise fills *error with the first problem and returns false (*table then holds the
// rows before it).
bool parse_csv(std::string_view text, header_mode header, csv_table* table, csv_error* error,
               std::size_t max_line_bytes = csv_reader::default_max_line_bytes,
               std::size_t chunk = static_cast<std::size_t>(-1));

// Parses one field's text as the reader does (surrounding spaces allowed). Returns an
// empty string and sets *value on success, otherwise why the text is not a number.
std::string parse_number(std::string_view text, float* value);

// `text` made printable on one line for a message: quoted, control bytes escaped, and
// cut after `limit` bytes.
std::string quote_for_message(std::string_view text, std::size_t limit = 40);

}  // namespace microprop::cli
