// The UI's pages: the files the set-up script built from web/ (index.html,
// app.js, app.css), read once from a folder when the server starts and
// answered from memory. Any path that is not a file there gets index.html
// (the pages route on the URL's #fragment, so only "/" is ever asked for
// in practice).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "serve/http_message.h"

namespace tabpilot {

class StaticFiles {
 public:
  // Reads every regular file directly in `folder`. NotFound naming the
  // folder and the set-up step that builds it when it lacks index.html.
  explicit StaticFiles(const std::filesystem::path& folder);

  // GET/HEAD of `path` ("/", "/app.js", ...): the file with its content
  // type, `Cache-Control: no-cache` for index.html, and the security
  // headers (a Content-Security-Policy allowing only this origin, no
  // framing, no sniffing).
  HttpResponse Answer(const std::string& path) const;

  // Where the built pages are by default: $TABPILOT_WEB_DIR when set, else
  // the folder the build recorded (web/dist of the source tree).
  static std::filesystem::path DefaultFolder();

 private:
  struct File {
    std::string content_type;
    std::string bytes;
  };
  std::map<std::string, File> files_;  // by name ("index.html")
};

// The security headers every UI answer carries.
void AddSecurityHeaders(HttpResponse& response);

}  // namespace tabpilot
