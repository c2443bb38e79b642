#include "ui/static_files.h"

#include <cstdlib>

#include "core/atomic_file.h"
#include "core/error.h"

#ifndef TABPILOT_WEB_DIST
#define TABPILOT_WEB_DIST ""
#endif

namespace tabpilot {
namespace fs = std::filesystem;
namespace {

std::string ContentTypeOf(const fs::path& name) {
  const std::string ext = name.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json" || ext == ".map") return "application/json";
  return "application/octet-stream";
}

// "name-HASH.js" with HASH of 8 or more upper-case letters and digits (esbuild's).
bool IsHashedName(const std::string& name) {
  const size_t dash = name.rfind('-');
  const size_t dot = name.rfind('.');
  if (dash == std::string::npos || dot == std::string::npos || dot < dash + 9 || name.substr(dot) != ".js") {
    return false;
  }
  for (size_t i = dash + 1; i < dot; ++i) {
    const char c = name[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

}  // namespace

void AddSecurityHeaders(HttpResponse& response) {
  // Scripts, styles, images and API calls from this origin only; ECharts
  // sets inline style attributes, hence 'unsafe-inline' for styles alone.
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                                "form-action 'self'");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
}

StaticFiles::StaticFiles(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_regular_file(folder / "index.html", ec)) {
    throw NotFound("the web UI's pages are not built: " + (folder / "index.html").string() +
                   " is missing (scripts/setup.sh builds web/ with npm; or point --web-dir at a built copy)");
  }
  for (const fs::directory_entry& e : fs::directory_iterator(folder)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    files_[name] = File{ContentTypeOf(e.path()), ReadFile(e.path())};
  }
}

HttpResponse StaticFiles::Answer(const std::string& path) const {
  std::string name = path.size() > 1 ? path.substr(1) : std::string("index.html");
  auto it = files_.find(name);
  if (it == files_.end()) it = files_.find("index.html");
  HttpResponse r{200, it->second.content_type, it->second.bytes, {}};
  // Scripts named with their content's hash ("app-D6O3X3SE.js") never change:
  // kept for good. The rest (index.html, which names them; app.css) is
  // revalidated, so a rebuilt UI shows at once and never mixes builds.
  r.headers.emplace_back("Cache-Control", IsHashedName(it->first) ? "max-age=31536000, immutable" : "no-cache");
  AddSecurityHeaders(r);
  return r;
}

fs::path StaticFiles::DefaultFolder() {
  const char* env = std::getenv("TABPILOT_WEB_DIR");  // NOLINT(concurrency-mt-unsafe): read at start-up
  if (env != nullptr && *env != '\0') return env;
  return TABPILOT_WEB_DIST;
}

}  // namespace tabpilot
