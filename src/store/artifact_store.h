// Immutable, content-addressed artifacts (model bundles, reports, data
// snapshots) under one root folder, by default .tabpilot/artifacts.
//
// An artifact's name is the SHA-256 of its content (see HashFile and
// HashDirectory for the exact definition), stored at ROOT/<first 2 hex>/<hash>.
// Put* copy into a temporary sibling, hash the copy, fsync it and rename it
// into place, so a half-copied artifact is never visible under its hash and a
// reader that finds a hash finds the complete content. Putting the same
// content twice is a no-op. Stored files are made read-only.
//
// Thread/process safety: any number of threads and processes may Put and read
// the same root concurrently (rename is atomic; a lost race keeps the winner's
// identical copy). Objects are cheap; they only hold the root path.
#pragma once

#include <filesystem>
#include <string>

namespace tabpilot {

class ArtifactStore {
 public:
  // `root` is created on the first Put, not here.
  explicit ArtifactStore(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }

  // Copies the folder `src` (regular files and sub-folders) into the store and
  // returns its content hash. Symbolic links are never followed: `src` or any
  // entry being a link (or a FIFO, device, socket) is an InvalidInput, so a
  // link to a private key is not copied into a shared store. Throws NotFound
  // if `src` is missing, InvalidInput if it is not a folder, IoError on copy
  // failure.
  std::string PutDirectory(const std::filesystem::path& src);
  // Copies one regular file in (not a link); returns its content hash (HashFile).
  std::string PutFile(const std::filesystem::path& src);

  // Where the artifact with this hash lives (whether or not it exists).
  // Throws InvalidInput if `hash` is not 64 lowercase hex characters.
  std::filesystem::path Path(const std::string& hash) const;
  bool Exists(const std::string& hash) const;
  // Re-hashes a stored artifact; false if it is missing or its content no
  // longer matches its name (tampered with or damaged).
  bool Verify(const std::string& hash) const;
  // The artifact's path after re-hashing it: what every use of a stored
  // artifact goes through, since anyone who can write a shared store can
  // change files under an old hash. NotFound if missing; InvalidInput if the
  // content no longer matches the hash (or a link was put in its place).
  std::filesystem::path VerifiedPath(const std::string& hash) const;

  // SHA-256 of a regular file's bytes, streamed (any size); a link is not
  // followed (InvalidInput). Throws NotFound / IoError.
  static std::string HashFile(const std::filesystem::path& path);
  // SHA-256 over the folder's entries in byte order of their relative paths
  // ('/'-separated): "d <path>\n" for a sub-folder and
  // "f <path>\n<size>\n<sha256 of bytes>\n" for a file. Names and contents
  // count; timestamps and permissions do not.
  static std::string HashDirectory(const std::filesystem::path& path);

 private:
  std::filesystem::path root_;
};

}  // namespace tabpilot
