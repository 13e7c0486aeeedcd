; Inno Setup 6 script for the Windows installer of bhxh-desk.
; Build on Windows after the PyInstaller bundle (see installer/README.md):
;   iscc installer\windows\bhxh-desk.iss
; Vietnamese needs the unofficial Vietnamese.isl from the Inno Setup translations page, copied into the
; compiler's Languages folder; English is built in.

#define AppName "bhxh-desk"
#define AppVersion "0.1.0"
#define Bundle "..\..\dist\bhxh-desk"

[Setup]
AppId={{6B0A7C55-2E2B-4C5E-9C1B-7D3B1F0E8A11}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=bhxh-desk developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename=bhxh-desk-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
UninstallDisplayName={#AppName}
LicenseFile=..\..\LICENSE
WizardStyle=modern
SetupIconFile=..\..\resources\icons\bhxh-desk.ico
UninstallDisplayIcon={app}\bhxh-desk.exe

[Languages]
Name: "vi"; MessagesFile: "compiler:Languages\Vietnamese.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
vi.LaunchApp=Mở bhxh-desk
en.LaunchApp=Start bhxh-desk
vi.SelfTest=Tự kiểm tra bản cài đặt
en.SelfTest=Check the installation
vi.TestModeNote=Lần đầu mở, chương trình chạy ở Chế độ thử nghiệm với cổng tiếp nhận thử nghiệm; không hồ sơ nào được gửi tới BHXH cho đến khi bạn tắt chế độ này trong Cài đặt.
en.TestModeNote=On first start the program runs in test mode against its sandbox gateway; nothing reaches BHXH until you turn test mode off in Settings.

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\bhxh-desk.exe"
Name: "{group}\{cm:SelfTest}"; Filename: "{cmd}"; Parameters: "/k ""{app}\bhxh-desk.exe"" --selftest"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"

[Run]
Filename: "{app}\bhxh-desk.exe"; Description: "{cm:LaunchApp}"; Flags: nowait postinstall skipifsilent

[Messages]
vi.FinishedLabel=Đã cài đặt bhxh-desk. Lần đầu mở, chương trình chạy ở Chế độ thử nghiệm.
en.FinishedLabel=bhxh-desk is installed. On first start it runs in test mode.
