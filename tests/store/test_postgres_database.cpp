// PostgreSQL specifics that need no server: placeholder rewriting, URL redaction.
#include <gtest/gtest.h>

#include "core/error.h"
#include "store/postgres_database.h"

namespace tabpilot {
namespace {

TEST(RewritePlaceholders, NumbersQuestionMarksOutsideQuotes) {
  EXPECT_EQ(RewritePlaceholders("SELECT a FROM t WHERE b = ? AND c = ?"), "SELECT a FROM t WHERE b = $1 AND c = $2");
  EXPECT_EQ(RewritePlaceholders("SELECT '?', \"we?ird\" FROM t WHERE x = ?"),
            "SELECT '?', \"we?ird\" FROM t WHERE x = $1");
  EXPECT_EQ(RewritePlaceholders("SELECT 'it''s ?' WHERE a = ?"), "SELECT 'it''s ?' WHERE a = $1");
  EXPECT_EQ(RewritePlaceholders("SELECT ? -- why?\n, ?"), "SELECT $1 -- why?\n, $2");
  EXPECT_EQ(RewritePlaceholders("VALUES (?,?,?,?,?,?,?,?,?,?)"), "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)");
  EXPECT_EQ(RewritePlaceholders("no params"), "no params");
}

TEST(RedactUrl, HidesThePassword) {
  EXPECT_EQ(RedactUrl("postgresql://bob:secret@db.example:5432/reg"), "postgresql://bob:***@db.example:5432/reg");
  EXPECT_EQ(RedactUrl("postgresql://bob@db/reg"), "postgresql://bob@db/reg");
  EXPECT_EQ(RedactUrl("postgresql://db:5432/reg"), "postgresql://db:5432/reg");
  // The password as a query parameter or in libpq's key=value form.
  EXPECT_EQ(RedactUrl("postgresql://bob@db/reg?sslmode=require&password=s3cret&connect_timeout=2"),
            "postgresql://bob@db/reg?sslmode=require&password=***&connect_timeout=2");
  EXPECT_EQ(RedactUrl("postgresql:///reg?password=s3cret"), "postgresql:///reg?password=***");
  EXPECT_EQ(RedactUrl("host=db dbname=reg password=s3cret user=bob"), "host=db dbname=reg password=*** user=bob");
  EXPECT_EQ(RedactUrl("host=db password='a b\\' c' user=bob"), "host=db password=*** user=bob");
  EXPECT_EQ(RedactUrl("postgresql://a:x@db/reg?password=y"), "postgresql://a:***@db/reg?password=***");
  // Not a password key: left alone.
  EXPECT_EQ(RedactUrl("postgresql://db/reg?application_name=mypassword=1"),
            "postgresql://db/reg?application_name=mypassword=1");
}

TEST(PostgresDatabase, UnreachableServerIsIoError) {
  // Port 1 on localhost: nothing listens there.
  try {
    OpenDatabase("postgresql://nobody:pw@127.0.0.1:1/none?connect_timeout=2");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cannot connect to store postgresql://nobody:***@127.0.0.1:1/none"), std::string::npos) << m;
    EXPECT_EQ(m.find("pw@"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace tabpilot
