// The CSV reader of the `microprop` tool (tools/cli/csv.hpp): what it accepts, and the
// line, column and wording of what it refuses.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <random>

#include "csv.hpp"

using namespace microprop::cli;

// Every allocation of this program is counted, so a test can see that reading rows
// allocates nothing once the first row is read.
namespace {
std::atomic<std::size_t> allocations{0};
}
void* operator new(std::size_t size) {
    ++allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

csv_table parse_ok(std::string_view text, header_mode header = header_mode::automatic) {
    csv_table table;
    csv_error error;
    const bool ok = parse_csv(text, header, &table, &error);
    INFO("error at line " << error.line << ", column " << error.column << ": " << error.message);
    CHECK(ok);
    return table;
}

csv_error parse_bad(std::string_view text, header_mode header = header_mode::automatic) {
    csv_table table;
    csv_error error;
    CHECK_FALSE(parse_csv(text, header, &table, &error));
    return error;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// A source that repeats `pattern` forever (or `limit` bytes), a few bytes per read.
class repeating_source final : public byte_source {
public:
    explicit repeating_source(std::string pattern, std::size_t per_read = 4096,
                              std::size_t limit = static_cast<std::size_t>(-1))
        : pattern_(std::move(pattern)), per_read_(per_read), left_(limit) {}
    std::size_t read(char* data, std::size_t capacity) override {
        std::size_t n = capacity < per_read_ ? capacity : per_read_;
        if (n > left_) n = left_;
        for (std::size_t i = 0; i < n; ++i) data[i] = pattern_[(at_ + i) % pattern_.size()];
        at_ += n;
        left_ -= n;
        return n;
    }
    std::size_t given() const { return at_; }
    void rewind(std::size_t limit) {
        at_ = 0;
        left_ = limit;
    }

private:
    std::string pattern_;
    std::size_t per_read_, at_ = 0, left_;
};

// What a parse gives, for comparing parses of the same text read in different chunks.
std::string outcome(std::string_view text, header_mode header, std::size_t chunk, std::size_t max_line = 64) {
    csv_table t;
    csv_error e;
    std::string s;
    if (!parse_csv(text, header, &t, &e, max_line, chunk))
        s = "error " + std::to_string(e.line) + ":" + std::to_string(e.column) + " " + e.message + "; ";
    for (const std::string& name : t.header) s += "[" + name + "]";
    s += " columns " + std::to_string(t.columns) + ":";
    for (std::size_t r = 0; r < t.rows(); ++r) {
        s += " @" + std::to_string(t.lines[r]);
        for (std::size_t c = 0; c < t.columns; ++c) {
            std::uint32_t bits;
            std::memcpy(&bits, t.row(r) + c, sizeof bits);
            s += " " + std::to_string(bits);
        }
    }
    return s;
}

}  // namespace

TEST_CASE("numbers, rows and line numbers") {
    const csv_table t = parse_ok("1,2.5,-3\n+4, .5 ,6e-1\n");
    CHECK(t.header.empty());
    REQUIRE(t.columns == 3);
    REQUIRE(t.rows() == 2);
    CHECK(t.row(0)[1] == 2.5f);
    CHECK(t.row(1)[0] == 4.0f);
    CHECK(t.row(1)[1] == 0.5f);
    CHECK(t.row(1)[2] == 0.6f);
    CHECK(t.lines[0] == 1);
    CHECK(t.lines[1] == 2);
}

TEST_CASE("line endings, blank lines, byte order mark, no final line break") {
    const csv_table t = parse_ok("\xEF\xBB\xBFx,y\r\n\r\n1,2\r\n  \t\n3,4\r5,6");
    CHECK(t.header == std::vector<std::string>{"x", "y"});
    REQUIRE(t.rows() == 3);
    CHECK(t.lines == std::vector<std::size_t>{3, 5, 6});
    CHECK(t.row(2)[1] == 6.0f);
}

TEST_CASE("header detection") {
    SUBCASE("a first row without any number is a header") {
        const csv_table t = parse_ok("x,\"y 2\",label\n5,6,1\n");
        CHECK(t.header == std::vector<std::string>{"x", "y 2", "label"});
        CHECK(t.rows() == 1);
        CHECK(t.lines == std::vector<std::size_t>{2});
    }
    SUBCASE("a first row of numbers with one word is an error at the word, not a header") {
        const csv_error e = parse_bad("0,1,label\n5,6,1\n");
        CHECK(e.line == 1);
        CHECK(e.column == 3);
        CHECK(e.message == "\"label\" is not a number (a header row holds no numbers; --header yes takes this row "
                           "as one)");
        const csv_error empty = parse_bad("\n\n1,,2\n");
        CHECK(empty.line == 3);
        CHECK(empty.column == 2);
        CHECK(empty.message.rfind("empty field (a header row holds no numbers", 0) == 0);
    }
    SUBCASE("--header yes takes any first row, --header no none") {
        const csv_table mixed = parse_ok("0,1,label\n5,6,1\n", header_mode::present);
        CHECK(mixed.header == std::vector<std::string>{"0", "1", "label"});
        CHECK(mixed.rows() == 1);
        CHECK(parse_ok("1,2\n3,4\n").rows() == 2);
        const csv_table t = parse_ok("1,2\n3,4\n", header_mode::present);
        CHECK(t.header.size() == 2);
        CHECK(t.rows() == 1);
    }
    SUBCASE("with no header, a word in the first row is an error") {
        const csv_error e = parse_bad("a,b\n1,2\n", header_mode::absent);
        CHECK(e.line == 1);
        CHECK(e.column == 1);
        CHECK(e.message == "\"a\" is not a number");
    }
    SUBCASE("quoted names") {
        const csv_table t = parse_ok("\"width, cm\",\"say \"\"hi\"\"\"\n1,2\n");
        CHECK(t.header == std::vector<std::string>{"width, cm", "say \"hi\""});
    }
}

TEST_CASE("exact float conversion") {
    const csv_table t = parse_ok("0.1,3.4028235e38,1e-45,-0,1e-50,-1e-60\n");
    CHECK(same_bits(t.row(0)[0], 0.1f));
    CHECK(same_bits(t.row(0)[1], std::numeric_limits<float>::max()));
    CHECK(same_bits(t.row(0)[2], std::numeric_limits<float>::denorm_min()));
    CHECK(same_bits(t.row(0)[3], -0.0f));
    CHECK(same_bits(t.row(0)[4], 0.0f));   // below the float range: zero
    CHECK(same_bits(t.row(0)[5], -0.0f));
}

TEST_CASE("refused fields name their line and column") {
    struct bad {
        const char* text;
        std::size_t line, column;
        const char* message;
    };
    const bad cases[] = {
        {"1,2\n3,x\n", 2, 2, "\"x\" is not a number"},
        {"1,2\n3,\n", 2, 2, "empty field"},
        {"1,2\n3,1e39\n", 2, 2, "\"1e39\" is beyond the range of a float"},
        {"1,2\n-1e999999999999999999,1\n", 2, 1, "\"-1e999999999999999999\" is beyond the range of a float"},
        {"1,2\n0.00000000000000000000000000000000000000000000001e100,1\n", 2, 1,
         "\"0.00000000000000000000000000000000000000...\" is beyond the range of a float"},
        {"1,2\n3,inf\n", 2, 2, "\"inf\": infinities and NaN are not accepted"},
        {"1,2\n-NaN,3\n", 2, 1, "\"-NaN\": infinities and NaN are not accepted"},
        {"1,2\n0x10,3\n", 2, 1, "\"0x10\" is not a number"},
        {"1,2\n1e,3\n", 2, 1, "\"1e\" is not a number"},
        {"1,2\n.,3\n", 2, 1, "\".\" is not a number"},
        {"1,2\n+-1,3\n", 2, 1, "\"+-1\" is not a number"},
        {"1,2\n1 2,3\n", 2, 1, "\"1 2\" is not a number"},
        {"1,2\n1,2,\n", 2, 0, "3 fields where line 1 has 2"},
        {"a,b,c\n\n1,2\n", 3, 0, "2 fields where line 1 has 3"},
        {"1,2\n3\n", 2, 0, "1 field where line 1 has 2"},
        {"1,2\n\"3,4\n", 2, 1, "quoted field not closed on its line (line breaks inside quotes are not supported)"},
        {"1,2\n\"3\"x,4\n", 2, 1, "unexpected text after the closing quote"},
        {"1,2\n3,\x01\x7f\n", 2, 2, "\"\\x01\\x7f\" is not a number"},
        // Short fields that look almost plain (the one-load fast path must refuse them).
        {"1,2\n1.2.3,4\n", 2, 1, "\"1.2.3\" is not a number"},
        {"1,2\n3,1-2\n", 2, 2, "\"1-2\" is not a number"},
        {"1,2\n-,4\n", 2, 1, "\"-\" is not a number"},
        {"1,2\n--1,4\n", 2, 1, "\"--1\" is not a number"},
        {"1,2\n3,..5\n", 2, 2, "\"..5\" is not a number"},
        {"1,2\n3,1234567.8.\n", 2, 2, "\"1234567.8.\" is not a number"},
        {"1,2\n3,\"1\"2\n", 2, 2, "unexpected text after the closing quote"},
    };
    for (const bad& c : cases) {
        const std::string text = c.text;
        CAPTURE(text);
        const csv_error e = parse_bad(c.text);
        CHECK(e.line == c.line);
        CHECK(e.column == c.column);
        CHECK(e.message == c.message);
    }
}

TEST_CASE("files without data") {
    CHECK(parse_bad("").message == "no data: the file is empty");
    CHECK(parse_bad("").line == 1);
    CHECK(parse_bad("\n \r\n").message == "no data: the file has only blank lines");
    const csv_error header_only = parse_bad("\nx,y,label\n");
    CHECK(header_only.line == 2);
    CHECK(header_only.message == "no data: a header row and nothing after it");
}

TEST_CASE("parse_number alone") {
    float v = 0.0f;
    CHECK(parse_number(" 12.5\t", &v).empty());
    CHECK(v == 12.5f);
    CHECK(parse_number("", &v) == "empty field");
    CHECK(parse_number("Infinity", &v) == "\"Infinity\": infinities and NaN are not accepted");
}

// Random bytes from an alphabet that reaches every branch: the reader must return (the
// sanitizer builds and the fuzzer check that it does so without undefined behaviour).
TEST_CASE("arbitrary input never breaks the reader") {
    const char alphabet[] = "0123456789.,eE+-\"\r\n \tinfa\x00\xEF\xBB\xBF";
    std::mt19937 rng(12345);
    std::string text;
    for (int round = 0; round < 20000; ++round) {
        text.clear();
        const std::size_t length = rng() % 64;
        for (std::size_t i = 0; i < length; ++i) text += alphabet[rng() % (sizeof alphabet - 1)];
        csv_table table;
        csv_error error;
        if (parse_csv(text, header_mode::automatic, &table, &error)) {
            CHECK(table.values.size() == table.rows() * table.columns);
            for (const float value : table.values) CHECK(std::isfinite(value));
        } else {
            CHECK(error.line >= 1);
            CHECK(!error.message.empty());
            CHECK(error.message.find('\n') == std::string::npos);
        }
    }
}

TEST_CASE("a stream cut anywhere reads as the whole text") {
    const char* const texts[] = {
        "\xEF\xBB\xBFx,y\r\n\r\n1,2\r\n  \t\n3,4\r5,6",
        "1,2\r\r\n3,4\n\r5,6\r",
        "\"a\",\"b,c\"\n\"1\" , 2.5e1\n-0,.5\n",
        "1,2\n3,x\n",
        "1,2\n3\n",
        "a,b\n1,2\n\"3\n",
        "0.0625,1,-13.5\n2.,-.5,7\n1e-50,3.4028235e38,0.1\n",
        "1,2\n1234567890123456789012345678901234567890123456789012345678901234567890,1\n",
        "\r\n\r\n",
        "1,2,3\n4,5,6,\n",
    };
    for (const char* text : texts) {
        CAPTURE(text);
        const std::string whole = outcome(text, header_mode::automatic, static_cast<std::size_t>(-1));
        for (const std::size_t chunk : {1, 2, 3, 5, 7, 64}) {
            CAPTURE(chunk);
            CHECK(outcome(text, header_mode::automatic, chunk) == whole);
        }
    }
}

TEST_CASE("lines longer than the limit are refused") {
    // 16 bytes fit (the line break is not counted), 17 do not, wherever the line is.
    CHECK(outcome("1,2\n1234567890123,34\n", header_mode::absent, 5, 16).rfind("error", 0) != 0);
    const std::string too_long = outcome("1,2\n\n12345678901234,34\n5,6\n", header_mode::absent, 5, 16);
    CHECK(too_long.rfind("error 3:0 line longer than 16 bytes (the reader's limit): binary data, or not a CSV file "
                         "of numbers;",
                         0) == 0);
    // The last line, without a line break.
    CHECK(outcome("1,2\n12345678901234,34", header_mode::absent, 64, 16).rfind("error 2:0 line longer", 0) == 0);
}

TEST_CASE("junk without line breaks fails once a line's worth is buffered") {
    // /dev/zero, or a huge sparse file: the reader stops at the limit, never reading on.
    repeating_source zeros(std::string(1, '\0'));
    csv_reader reader(zeros, header_mode::automatic, 1000, 100);
    csv_error e;
    CHECK(reader.next(&e) == csv_reader::result::error);
    CHECK(e.line == 1);
    CHECK(e.message.find("line longer than 1000 bytes") == 0);
    CHECK(zeros.given() <= 1000 + 100 + 1);
    CHECK(reader.next(&e) == csv_reader::result::error);  // and stays so
}

TEST_CASE("an endless stream is read a chunk ahead at most") {
    repeating_source lines("1,2.5\n", 4096);
    csv_reader reader(lines, header_mode::automatic, 100, 1000);
    csv_error e;
    for (int r = 0; r < 100000; ++r) {
        REQUIRE(reader.next(&e) == csv_reader::result::row);
        CHECK(reader.row()[1] == 2.5f);
        CHECK(lines.given() <= 6 * reader.rows() + 100 + 1000 + 1);
    }
    CHECK(reader.line() == 100000);
    CHECK(reader.bytes_read() == lines.given());
}

TEST_CASE("reading rows allocates nothing after the first row") {
    repeating_source lines("0.5,1,-2.25,\"3\",  4 ,1e-3,123456789\n");
    csv_reader reader(lines, header_mode::automatic);
    csv_error e;
    REQUIRE(reader.next(&e) == csv_reader::result::row);
    REQUIRE(reader.next(&e) == csv_reader::result::row);  // the quoted field's scratch grows once
    const std::size_t before = allocations.load();
    float sum = 0.0f;
    for (int r = 0; r < 20000; ++r) {
        if (reader.next(&e) != csv_reader::result::row) break;
        sum += reader.row()[0];
    }
    const std::size_t during = allocations.load() - before;
    CHECK(during == 0);
    CHECK(sum == 0.5f * 20000);
}

TEST_CASE("restart reads a rewound source again, header and line numbers included") {
    const std::string text = "x,y\n1,2\n3,4\n";
    repeating_source source(text, 3, text.size());
    csv_reader reader(source, header_mode::automatic);
    csv_error e;
    for (int pass = 0; pass < 2; ++pass) {
        CAPTURE(pass);
        REQUIRE(reader.next(&e) == csv_reader::result::row);
        CHECK(reader.line() == 2);
        CHECK(reader.header() == std::vector<std::string>{"x", "y"});
        REQUIRE(reader.next(&e) == csv_reader::result::row);
        CHECK(reader.row()[1] == 4.0f);
        CHECK(reader.next(&e) == csv_reader::result::end);
        CHECK(reader.rows() == 2);
        source.rewind(text.size());
        reader.restart();
    }
}

// The fast paths (plain fields read from one 64-bit load, Clinger's product or quotient)
// against std::from_chars, bit for bit, on numbers of every short form.
TEST_CASE("fast conversion gives the bits of std::from_chars") {
    std::mt19937 rng(2026);
    auto digits = [&](int n) {
        std::string d;
        for (int i = 0; i < n; ++i) d += static_cast<char>('0' + rng() % 10);
        return d;
    };
    std::string row;
    std::vector<std::string> fields;
    for (int round = 0; round < 4000; ++round) {
        fields.clear();
        row.clear();
        for (int c = 0; c < 16; ++c) {
            std::string f = rng() % 4 == 0 ? "-" : "";
            const int form = static_cast<int>(rng() % 6);
            const int a = static_cast<int>(rng() % 9), b = static_cast<int>(rng() % 10);
            if (form == 0) f += digits(1 + a);                         // 123
            else if (form == 1) f += digits(1 + a % 4) + "." + digits(b);  // 1.2345
            else if (form == 2) f += "." + digits(1 + a);              // .5
            else if (form == 3) f += digits(1 + a) + ".";              // 2.
            else if (form == 4) f += "0." + digits(1 + a);             // 0.0625
            else f += digits(1 + a) + "e" + std::to_string(static_cast<int>(rng() % 21) - 10);
            fields.push_back(f);
            row += (c != 0 ? "," : "") + f;
        }
        row += "\n";
        std::string text = "0";  // a first row of zeros, so the row above takes the rows' fast path
        for (int c = 1; c < 16; ++c) text += ",0";
        text += "\n" + row;
        csv_table t;
        csv_error e;
        REQUIRE_MESSAGE(parse_csv(text, header_mode::absent, &t, &e), e.message);
        REQUIRE(t.rows() == 2);
        for (std::size_t c = 0; c < fields.size(); ++c) {
            float expected = 0.0f;
            const std::string& f = fields[c];
            const auto r = std::from_chars(f.data(), f.data() + f.size(), expected);
            REQUIRE(r.ec == std::errc());
            CAPTURE(f);
            CHECK(same_bits(t.row(1)[c], expected));
            float alone = 0.0f;
            CHECK(parse_number(f, &alone).empty());
            CHECK(same_bits(alone, expected));
        }
    }
}

// Rows wide enough for the reader's vector path (fields four at a time): a field of every
// near-plain form, at every position, reads as parse_number reads it alone, or is refused
// at its column with parse_number's message.
TEST_CASE("wide rows: each field read as alone, wherever it stands") {
    const char* const forms[] = {"0",     "7",      "-0",      "0.0625",   "-13.5",   ".5",     "2.",      "12345678",
                                 "1234567.", "0.1234567", "16777217", "16777216", "99999999", "-.5",   "1e5",     "1-2",
                                 "1.2.3", "-",      "",        ".",        "..5",     "--1",    " 5",      "5 ",
                                 "\"3\"", "+4",     "0x1",     "1,5",      "12345678.9", "-1234567.8", "00000001", "9."};
    for (const char* filler : {"5", "0.5"})
    for (const char* form : forms) {
        for (std::size_t at = 0; at < 12; ++at) {
            std::string text = "1,1,1,1,1,1,1,1,1,1,1,1\n";  // the first row: twelve columns
            for (std::size_t c = 0; c < 12; ++c) text += (c != 0 ? "," : "") + std::string(c == at ? form : filler);
            text += "\n";
            CAPTURE(text);
            csv_table t;
            csv_error e;
            const bool ok = parse_csv(text, header_mode::absent, &t, &e);
            float alone = 0.0f;
            std::string content = form;  // a quoted field reads as its content
            if (content.size() >= 2 && content.front() == '"') content = content.substr(1, content.size() - 2);
            const std::string problem = parse_number(content, &alone);
            const bool split = std::string(form).find(',') != std::string::npos;  // "1,5" is two fields
            if (split) {
                CHECK_FALSE(ok);
                CHECK(e.message == "13 fields where line 1 has 12");
            } else if (problem.empty()) {
                REQUIRE(ok);
                CHECK(same_bits(t.row(1)[at], alone));
                for (std::size_t c = 0; c < 12; ++c)
                    if (c != at) CHECK(t.row(1)[c] == (filler[0] == '5' ? 5.0f : 0.5f));
            } else {
                CHECK_FALSE(ok);
                CHECK(e.line == 2);
                CHECK(e.column == at + 1);
                CHECK(e.message == problem);
            }
        }
    }
}
