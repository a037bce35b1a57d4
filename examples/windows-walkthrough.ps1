<#
.SYNOPSIS
  The TigerVNC wiki's "Secure your connection" on Windows, in PowerShell: find the IP,
  find openssl.exe and its openssl.cnf, make the self-signed certificate, check it,
  lock the key down, and show what to load into the TigerVNC server and viewer.

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File examples\windows-walkthrough.ps1 -IP 192.168.1.5

.NOTES
  The same steps, explained, for any OS:  vncssl guide --os windows
  The command for cmd.exe instead:        vncssl create --ip 192.168.1.5 --dry-run --shell cmd
  cmd.exe needs double quotes around -subj: it passes '/CN=...' on with the single quotes.
#>
param(
    [string]$IP = "",       # the address viewers type; default: first DHCP/manual IPv4
    [string]$OpenSSL = "",  # openssl.exe; default: PATH, then the usual install folders
    [string]$Config = "",   # openssl.cnf; default: next to openssl.exe
    [int]$Days = 365        # the guide's validity: renew every year
)
$ErrorActionPreference = 'Stop'
$Cert = 'vnc-server.pem'
$Key = 'vnc-server-private.pem'

# 1. The local IP address (the wiki: "Find out the local IP address").
if (-not $IP) {
    $IP = (Get-NetIPAddress -AddressFamily IPv4 |
           Where-Object { $_.PrefixOrigin -in 'Dhcp', 'Manual' -and
                          $_.IPAddress -notlike '169.254.*' -and $_.IPAddress -ne '127.0.0.1' } |
           Select-Object -First 1).IPAddress
    if (-not $IP) { throw 'No LAN IPv4 address found: pass -IP 192.168.1.5 (see ipconfig).' }
}
Write-Host "1. Address for the certificate: $IP"

# 2. openssl.exe: the wiki's unzipped download, Shining Light's installer, or Git for Windows.
if (-not $OpenSSL) {
    $found = Get-Command openssl.exe -ErrorAction SilentlyContinue
    $candidates = @(
        $(if ($found) { $found.Source }),
        "$env:ProgramFiles\OpenSSL-Win64\bin\openssl.exe",
        "$env:ProgramFiles\Git\usr\bin\openssl.exe",
        '.\openssl.exe'
    ) | Where-Object { $_ -and (Test-Path $_) }
    if (-not $candidates) {
        throw 'openssl.exe not found: winget install ShiningLight.OpenSSL.Light (or unzip the wiki''s download and pass -OpenSSL C:\path\openssl.exe).'
    }
    $OpenSSL = @($candidates)[0]
}
Write-Host "2. openssl: $OpenSSL ($(& $OpenSSL version))"

# 3. openssl.cnf (the guide's -config openssl.cnf): next to the exe, or in the usual places.
if (-not $Config) {
    $dir = Split-Path -Parent (Resolve-Path $OpenSSL)
    $Config = @("$dir\openssl.cnf", "$dir\cnf\openssl.cnf", "$dir\..\ssl\openssl.cnf",
                "$dir\..\..\usr\ssl\openssl.cnf") | Where-Object { Test-Path $_ } |
              Select-Object -First 1
    if (-not $Config) { throw "No openssl.cnf near $OpenSSL`: pass -Config C:\path\openssl.cnf." }
}
Write-Host "3. config: $Config"

# 4. The guide's command. PowerShell: & runs a quoted path; the subject and SAN are quoted
#    so /CN=... and the comma-free SAN reach openssl unchanged. Never overwrite a key.
foreach ($f in $Cert, $Key) {
    if (Test-Path $f) { throw "$f already exists: move it away first (or use vncssl create --force, which keeps a backup)." }
}
Write-Host '4. Creating the key and the self-signed certificate:'
Write-Host "   & '$OpenSSL' req -x509 -newkey rsa -days $Days -nodes -config '$Config' -keyout $Key -out $Cert -subj '/CN=$IP' -addext 'subjectAltName=IP:$IP'"
& $OpenSSL req -x509 -newkey rsa -days $Days -nodes -config $Config `
    -keyout $Key -out $Cert -subj "/CN=$IP" -addext "subjectAltName=IP:$IP"
if ($LASTEXITCODE -ne 0) { throw "openssl failed (exit $LASTEXITCODE): read its message above." }

# 5. The private key stays private: only this user may read it (no inherited access).
icacls $Key /inheritance:r /grant:r "$($env:USERNAME):F" | Out-Null
Write-Host "5. $Key is readable by $env:USERNAME only. Keep it out of OneDrive/Dropbox folders."

# 6. Look at it: the IP must be in the subjectAltName (TigerVNC never matches an IP to the CN).
Write-Host '6. What openssl says:'
& $OpenSSL x509 -in $Cert -noout -subject -ext subjectAltName -enddate

# 7. Use it (the wiki's last section).
Write-Host @"
7. Server: TigerVNC icon in the tray > Options > Session encryption: TLS with X.509
   certificates (uncheck None and Anonymous TLS) > Load X.509 Certificate: $Cert,
   Load X.509 Certificate key: $Key > Apply.
   Viewer: copy $Cert (never the key) next to vncviewer.exe; Options... > Security >
   Path to X509 CA certificate: $Cert; connect to $IP.
   Renew in $Days days: run this script again (or vncssl expiry $Cert).
"@
