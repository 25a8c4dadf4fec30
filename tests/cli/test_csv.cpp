// The CSV reader of the `microprop` tool (tools/cli/csv.hpp): what it accepts, and the
// line, column and wording of what it refuses.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "csv.hpp"

using namespace microprop::cli;

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
    SUBCASE("a row with any non-numeric field is a header") {
        const csv_table t = parse_ok("0,1,label\n5,6,1\n");
        CHECK(t.header == std::vector<std::string>{"0", "1", "label"});
        CHECK(t.rows() == 1);
    }
    SUBCASE("an all-numeric first row is data unless the header is declared") {
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
