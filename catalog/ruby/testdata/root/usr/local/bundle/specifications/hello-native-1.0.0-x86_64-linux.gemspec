# -*- encoding: utf-8 -*-
# stub: hello-native 1.0.0 x86_64-linux lib

Gem::Specification.new do |s|
  s.name = "hello-native".freeze
  s.version = "1.0.0"
  s.platform = "x86_64-linux".freeze

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.require_paths = ["lib".freeze]
  s.authors = ["vigil".freeze]
  s.date = "2026-11-25"
  s.licenses = ["Apache-2.0".freeze, "MIT".freeze]
  s.rubygems_version = "3.3.15".freeze
  s.summary = "A platform gem for vigil's tests".freeze

  s.installed_by_version = "3.3.15" if s.respond_to? :installed_by_version
end
