package hardening

import (
	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/severity"
)

// References cited by the definitions.
var (
	isoAuthInfo     = check.Reference{Standard: check.ISO27002, Section: "5.17", Title: "Authentication information"}
	isoSecureAuth   = check.Reference{Standard: check.ISO27002, Section: "8.5", Title: "Secure authentication"}
	isoPrivileged   = check.Reference{Standard: check.ISO27002, Section: "8.2", Title: "Privileged access rights"}
	isoAccessRestr  = check.Reference{Standard: check.ISO27002, Section: "8.3", Title: "Information access restriction"}
	isoCrypto       = check.Reference{Standard: check.ISO27002, Section: "8.24", Title: "Use of cryptography"}
	isoNetServices  = check.Reference{Standard: check.ISO27002, Section: "8.21", Title: "Security of network services"}
	nistConfig      = check.Reference{Standard: check.NIST800190, Section: "3.1.2", Title: "Image configuration defects"}
	nistSecrets     = check.Reference{Standard: check.NIST800190, Section: "3.1.4", Title: "Embedded clear text secrets"}
	cisSetuid       = check.Reference{Standard: check.CISDocker, Section: "4.8", Title: "Ensure setuid and setgid permissions are removed"}
	cisSSHD         = check.Reference{Standard: check.CISDocker, Section: "5.6", Title: "Ensure sshd is not run within containers"}
	cisSecretsImage = check.Reference{Standard: check.CISDocker, Section: "4.10", Title: "Ensure secrets are not stored in Dockerfiles"}
)

// The checks of this package.
var (
	defPassMaxDays = &check.Definition{
		ID: "OS-001", Title: "Passwords do not expire within 90 days", Domain: check.DomainOS, Severity: severity.Medium,
		Description: "PASS_MAX_DAYS in /etc/login.defs, the maximum age that useradd and the shadow tools give the password of a new account, is above 90 days or absent (no expiry; shadow's default). Debian ships 99999.",
		Remediation: "Set PASS_MAX_DAYS 90 (or less) in /etc/login.defs, and chage -M 90 for the accounts that already have a password.",
		References:  []check.Reference{isoAuthInfo, nistConfig},
	}
	defPassMinDays = &check.Definition{
		ID: "OS-002", Title: "Passwords can be changed again at once", Domain: check.DomainOS, Severity: severity.Low,
		Description: "PASS_MIN_DAYS in /etc/login.defs is below 1 or absent (0, shadow's default): a user can change a password several times in a row to cycle back to an old one.",
		Remediation: "Set PASS_MIN_DAYS 1 (or more) in /etc/login.defs.",
		References:  []check.Reference{isoAuthInfo, nistConfig},
	}
	defMinLen = &check.Definition{
		ID: "OS-003", Title: "Minimum password length below 8", Domain: check.DomainOS, Severity: severity.Medium,
		Description: "The shortest password that the password-changing stack accepts is under 8 characters. With PAM it is the largest minlen of the modules of the passwd service's password stack (pam_unix: 6 by default; pam_pwquality: its arguments, else /etc/security/pwquality.conf and pwquality.conf.d, else 8; pam_cracklib: 9; pam_passwdqc: its smallest enabled min); without PAM, PASS_MIN_LEN of /etc/login.defs.",
		Remediation: "Install libpam-pwquality (minlen 8 by default) or set minlen=8 (or more) on pam_unix or pam_pwquality in the password stack; without PAM, set PASS_MIN_LEN 8.",
		References:  []check.Reference{isoAuthInfo, isoSecureAuth},
	}
	defPassWarnAge = &check.Definition{
		ID: "OS-004", Title: "Password expiry warning shorter than 7 days", Domain: check.DomainOS, Severity: severity.Low,
		Description: "PASS_WARN_AGE in /etc/login.defs is below 7 or absent (no warning, shadow's default): users are not warned in time that their password expires.",
		Remediation: "Set PASS_WARN_AGE 7 (or more) in /etc/login.defs.",
		References:  []check.Reference{isoAuthInfo},
	}
	defEncryptMethod = &check.Definition{
		ID: "OS-005", Title: "Weak password hashing method configured", Domain: check.DomainOS, Severity: severity.Medium,
		Description: "New passwords would be hashed with DES or MD5 crypt, which crypt(5) of libxcrypt says should not be used for new hashes: ENCRYPT_METHOD of /etc/login.defs is DES or MD5, or absent (then MD5 if MD5_CRYPT_ENAB is yes, else DES: shadow's default), or pam_unix in the password stack has the md5 or bigcrypt option. pam_unix without a hashing option uses ENCRYPT_METHOD.",
		Remediation: "Set ENCRYPT_METHOD YESCRYPT (or SHA512) in /etc/login.defs and give pam_unix the yescrypt (or sha512) option.",
		References:  []check.Reference{isoCrypto, isoAuthInfo},
	}
	defEmptyPassword = &check.Definition{
		ID: "OS-006", Title: "Account with an empty password", Domain: check.DomainOS, Severity: severity.Critical,
		Description: "An account's password hash is empty (in /etc/shadow, or in /etc/passwd for an account without a shadow entry): it can log in without a password wherever PAM allows nullok, as Debian's common-auth does. A hash that starts with ! or * is locked, not empty.",
		Remediation: "Lock the account (passwd -l USER, or usermod -p '*' USER) or give it a strong password.",
		References:  []check.Reference{isoAuthInfo, isoSecureAuth, nistConfig},
	}
	defCommonPassword = &check.Definition{
		ID: "OS-007", Title: "Password in the list of common passwords", Domain: check.DomainOS, Severity: severity.Critical,
		Description: "An account's password hash matches a password of the list of common passwords (the top 1,000 of a public list, a few passwords common in images, and the account's own name). Anyone who can read the image can log in as that account.",
		Remediation: "Lock the account in the image (usermod -p '*' USER) and set credentials at run time, or give it a strong random password.",
		References:  []check.Reference{isoAuthInfo, nistSecrets, cisSecretsImage},
	}
	defLegacyHash = &check.Definition{
		ID: "OS-008", Title: "Password hashed with a legacy algorithm", Domain: check.DomainOS, Severity: severity.High,
		Description: "An account's password hash uses a scheme that crypt(5) of libxcrypt says should not be used for new hashes: traditional DES, bigcrypt, BSDi extended DES, MD5 crypt, Sun MD5, SHA-1 crypt or NT. They are cheap to guess (DES also truncates the password to 8 characters). SHA-256 and SHA-512 crypt are 'acceptable for new hashes' there and are not reported; yescrypt, gost-yescrypt, scrypt and bcrypt are the recommended ones.",
		Remediation: "Set a new password with a current scheme (chpasswd with ENCRYPT_METHOD YESCRYPT), or lock the account.",
		References:  []check.Reference{isoCrypto, isoAuthInfo},
	}
	defUID0 = &check.Definition{
		ID: "OS-009", Title: "Account other than root with UID 0", Domain: check.DomainOS, Severity: severity.High,
		Description: "An account other than root has user ID 0 in /etc/passwd: it has every privilege of root under another name, which hides it from reviews and logs.",
		Remediation: "Remove the account or give it its own UID; use sudo for delegated administration.",
		References:  []check.Reference{isoPrivileged},
	}
	defNoExpiry = &check.Definition{
		ID: "OS-010", Title: "Account password never expires", Domain: check.DomainOS, Severity: severity.Low,
		Description: "An account that has a usable password has no maximum password age in /etc/shadow, or one above 90 days. PASS_MAX_DAYS of /etc/login.defs applies only to accounts created after it is set, so an account created with Debian's 99999 keeps it when login.defs is fixed.",
		Remediation: "chage -M 90 USER, or lock the account if it needs no password.",
		References:  []check.Reference{isoAuthInfo},
	}
	defSSHServer = &check.Definition{
		ID: "OS-011", Title: "SSH server installed", Domain: check.DomainOS, Severity: severity.Medium,
		Description: "An SSH server (OpenSSH's sshd, Dropbear) is installed in the image, by a package or as a bare binary, possibly enabled at boot (systemd wants links, SysV rc links). Containers are entered with the runtime (docker exec, kubectl exec); an SSH server adds a network service, keys and passwords to manage.",
		Remediation: "Remove the SSH server package (apt-get purge openssh-server) and use docker exec or kubectl exec.",
		References:  []check.Reference{cisSSHD, isoNetServices},
	}
	defSSHRootLogin = &check.Definition{
		ID: "OS-012", Title: "sshd permits root login with a password", Domain: check.DomainOS, Severity: severity.High,
		Description: "PermitRootLogin is yes in the effective sshd configuration (sshd_config and the files it includes, first value wins; or in a Match block): root may log in with a password. sshd's default when absent is prohibit-password (keys only), which is not reported.",
		Remediation: "Set PermitRootLogin no (or prohibit-password) in the first sshd_config file that sets it, or remove the SSH server.",
		References:  []check.Reference{cisSSHD, isoPrivileged, isoSecureAuth},
	}
	defSSHPasswordAuth = &check.Definition{
		ID: "OS-013", Title: "sshd allows password authentication", Domain: check.DomainOS, Severity: severity.Medium,
		Description: "PasswordAuthentication is yes in the effective sshd configuration, or absent: sshd's default is yes. Password logins over the network can be guessed.",
		Remediation: "Set PasswordAuthentication no in sshd_config (before any Include that could set it), or remove the SSH server.",
		References:  []check.Reference{cisSSHD, isoSecureAuth},
	}
	defSSHEmptyPasswords = &check.Definition{
		ID: "OS-014", Title: "sshd permits empty passwords", Domain: check.DomainOS, Severity: severity.High,
		Description: "PermitEmptyPasswords is yes in the effective sshd configuration (sshd's default is no): an account with an empty password can log in over the network.",
		Remediation: "Set PermitEmptyPasswords no, or remove the setting (the default is no).",
		References:  []check.Reference{cisSSHD, isoSecureAuth},
	}
	defTelnet = &check.Definition{
		ID: "OS-015", Title: "Telnet server installed", Domain: check.DomainOS, Severity: severity.High,
		Description: "A telnet server (telnetd, inetutils-telnetd, telnetd-ssl, telnet-server) is installed: telnet sends passwords and sessions in clear text.",
		Remediation: "Remove the telnet server package.",
		References:  []check.Reference{isoNetServices, nistConfig},
	}
	defRsh = &check.Definition{
		ID: "OS-016", Title: "rsh, rlogin or rexec server installed", Domain: check.DomainOS, Severity: severity.High,
		Description: "A Berkeley r-services server (rsh-server, rsh-redone-server, inetutils rshd/rlogind/rexecd) is installed: these authenticate by host name and .rhosts and send everything in clear text.",
		Remediation: "Remove the r-services server package.",
		References:  []check.Reference{isoNetServices, nistConfig},
	}
	defFTP = &check.Definition{
		ID: "OS-017", Title: "FTP or TFTP server installed", Domain: check.DomainOS, Severity: severity.Medium,
		Description: "An FTP server (vsftpd, proftpd, pure-ftpd, inetutils-ftpd, ftpd...) or a TFTP server is installed: FTP sends passwords in clear text and TFTP has no authentication.",
		Remediation: "Remove the FTP or TFTP server package; serve files over HTTPS or SFTP outside the image.",
		References:  []check.Reference{isoNetServices, nistConfig},
	}
	defHostKeys = &check.Definition{
		ID: "OS-018", Title: "SSH host private key in the image", Domain: check.DomainOS, Severity: severity.High,
		Description: "An SSH host private key (/etc/ssh/ssh_host_*_key, Dropbear's /etc/dropbear/dropbear_*_host_key) is baked into the image, as installing openssh-server generates them: every container of the image shares it, and anyone who pulls the image can impersonate the server.",
		Remediation: "Delete the host keys in the image (rm /etc/ssh/ssh_host_*) and generate them when the container starts (ssh-keygen -A), or mount them.",
		References:  []check.Reference{nistSecrets, cisSecretsImage, isoCrypto},
	}
	defAuthorizedKeys = &check.Definition{
		ID: "OS-019", Title: "SSH authorized_keys in the image", Domain: check.DomainOS, Severity: severity.Medium,
		Description: "An authorized_keys file (root's, or in the home directory /etc/passwd gives an account, or where sshd's AuthorizedKeysFile points) is baked into the image: whoever holds those keys can log in to every container of the image.",
		Remediation: "Do not bake authorized_keys into images; provide them at run time if an SSH server is really needed.",
		References:  []check.Reference{nistSecrets, isoAuthInfo},
	}
	defSetuid = &check.Definition{
		ID: "OS-020", Title: "Unexpected setuid file", Domain: check.DomainOS, Severity: severity.High,
		Description: "A regular file has the setuid bit and is not one of the setuid programs of Debian's base system and common packages at their usual paths (the list was derived from a debootstrapped bookworm minbase and those packages installed). A setuid file runs with its owner's privileges: an unknown one, or a known program copied elsewhere, is a way to root.",
		Remediation: "Remove the setuid bit (chmod u-s FILE) or the file; CIS Docker 4.8 suggests removing every setuid bit the application does not need.",
		References:  []check.Reference{cisSetuid, isoPrivileged},
	}
	defSetgid = &check.Definition{
		ID: "OS-021", Title: "Unexpected setgid file", Domain: check.DomainOS, Severity: severity.Medium,
		Description: "A regular file has the setgid bit and is not one of the setgid programs of Debian's base system and common packages at their usual paths.",
		Remediation: "Remove the setgid bit (chmod g-s FILE) or the file.",
		References:  []check.Reference{cisSetuid, isoPrivileged},
	}
	defWorldWritableFile = &check.Definition{
		ID: "OS-022", Title: "World-writable file", Domain: check.DomainOS, Severity: severity.Medium,
		Description: "A regular file outside the temporary directories (/tmp, /var/tmp, /dev/shm, /run/lock) is writable by every user: any process of the container can change it.",
		Remediation: "chmod o-w FILE.",
		References:  []check.Reference{isoAccessRestr, nistConfig},
	}
	defWorldWritableDir = &check.Definition{
		ID: "OS-023", Title: "World-writable directory", Domain: check.DomainOS, Severity: severity.Medium,
		Description: "A directory is writable by every user and either lacks the sticky bit (anyone can delete or replace the files of others) or is not one of the temporary directories (/tmp, /var/tmp, /dev/shm, /run/lock).",
		Remediation: "chmod o-w DIR, or chmod +t DIR for a shared temporary directory.",
		References:  []check.Reference{isoAccessRestr, nistConfig},
	}
	defSudoNoPasswd = &check.Definition{
		ID: "OS-024", Title: "sudo rule without a password", Domain: check.DomainOS, Severity: severity.High,
		Description: "A sudoers rule (in /etc/sudoers or a file it includes) has the NOPASSWD tag, or a Defaults line turns authentication off (!authenticate): a process running as that user becomes root without knowing any password.",
		Remediation: "Remove NOPASSWD and !authenticate, or sudo itself if the container needs no privilege changes.",
		References:  []check.Reference{isoPrivileged, nistConfig},
	}
	defAptCreds = &check.Definition{
		ID: "OS-025", Title: "APT repository credentials left in the image", Domain: check.DomainOS, Severity: severity.High,
		Description: "APT credentials are in the image: a login or password in /etc/apt/auth.conf or auth.conf.d, or a user:password in a repository URI of sources.list.",
		Remediation: "Pass repository credentials as a build secret (docker build --secret, RUN --mount=type=secret) instead of writing them into a layer; deleting them in a later layer does not remove them from the image.",
		References:  []check.Reference{nistSecrets, cisSecretsImage},
	}
	defPipCreds = &check.Definition{
		ID: "OS-026", Title: "pip index credentials left in the image", Domain: check.DomainOS, Severity: severity.High,
		Description: "A pip configuration file (pip.conf) has a user:password in index-url, extra-index-url or find-links.",
		Remediation: "Pass the index URL as a build secret or an environment variable of the build step only (PIP_INDEX_URL with RUN --mount=type=secret).",
		References:  []check.Reference{nistSecrets, cisSecretsImage},
	}
	defRepoCreds = &check.Definition{
		ID: "OS-027", Title: "yum, dnf, zypper or apk repository credentials left in the image", Domain: check.DomainOS, Severity: severity.High,
		Description: "A repository definition has a password (password= in a .repo file or yum.conf/dnf.conf, a user:password in baseurl, mirrorlist or metalink, zypper's credentials.d, or a user:password in /etc/apk/repositories).",
		Remediation: "Pass repository credentials as a build secret instead of writing them into a layer.",
		References:  []check.Reference{nistSecrets, cisSecretsImage},
	}
	defGemCreds = &check.Definition{
		ID: "OS-028", Title: "RubyGems API key left in the image", Domain: check.DomainOS, Severity: severity.High,
		Description: "A RubyGems credentials file (~/.gem/credentials) holding an API key is in the image: it can publish gems as its owner.",
		Remediation: "Do not copy gem credentials into images; use GEM_HOST_API_KEY in the publishing step only.",
		References:  []check.Reference{nistSecrets, cisSecretsImage},
	}
	defAccountFilePerms = &check.Definition{
		ID: "OS-029", Title: "Account files with unsafe permissions", Domain: check.DomainOS, Severity: severity.High,
		Description: "/etc/shadow or /etc/gshadow is readable by other users (their hashes can be guessed offline), or /etc/passwd or /etc/group is writable by group or other users (anyone could add a UID 0 account).",
		Remediation: "chmod 640 /etc/shadow /etc/gshadow (group shadow) and chmod 644 /etc/passwd /etc/group.",
		References:  []check.Reference{isoAccessRestr, isoAuthInfo},
	}
)

var definitions = []*check.Definition{
	defPassMaxDays, defPassMinDays, defMinLen, defPassWarnAge, defEncryptMethod,
	defEmptyPassword, defCommonPassword, defLegacyHash, defUID0, defNoExpiry,
	defSSHServer, defSSHRootLogin, defSSHPasswordAuth, defSSHEmptyPasswords,
	defTelnet, defRsh, defFTP, defHostKeys, defAuthorizedKeys,
	defSetuid, defSetgid, defWorldWritableFile, defWorldWritableDir,
	defSudoNoPasswd, defAptCreds, defPipCreds, defRepoCreds, defGemCreds,
	defAccountFilePerms,
}

// Definitions returns the checks of this package.
func Definitions() []check.Definition {
	out := make([]check.Definition, len(definitions))
	for i, d := range definitions {
		out[i] = *d
	}
	return out
}
