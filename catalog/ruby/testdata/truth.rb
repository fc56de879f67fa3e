# Writes what RubyGems and Bundler themselves read from testdata: run by
# regenerate.sh with Debian's ruby 3.1 and bundler 2.3.15.
require "rubygems"
ENV["BUNDLE_GEMFILE"] = File.expand_path("src/app/Gemfile", __dir__) # Bundler.root, for LockfileParser
require "bundler"

root = File.expand_path("root", __dir__)
File.open(File.expand_path("root.rubygems.txt", __dir__), "w") do |out|
  (Dir.glob("**/specifications/*.gemspec", base: root) + Dir.glob("**/specifications/default/*.gemspec", base: root)).sort.each do |rel|
    spec = Gem::Specification.load(File.join(root, rel))
    out.puts [rel, spec.name, spec.version, spec.platform, spec.licenses.join(",")].join(" ")
  end
end

File.open(File.expand_path("locks.bundler.txt", __dir__), "w") do |out|
  Dir.glob("{root,src}/**/Gemfile.lock", base: __dir__).sort.each do |rel|
    lock = Bundler::LockfileParser.new(File.read(File.join(__dir__, rel)))
    lock.specs.map { |s| [rel, s.name, s.version, s.platform, s.source.class.name.split("::").last].join(" ") }.sort.each { |l| out.puts l }
  end
end
