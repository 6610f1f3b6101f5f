; NSIS script: the Windows installer around PyInstaller's one-folder build (docs/packaging.md, "Windows").
;
;   makensis /DVERSION=0.1.0 packaging\windows\hearth.nsi
; packs dist\windows\hearth\ (packaging/windows/hearth.spec) into dist\windows\hearth-0.1.0-setup.exe.
; /DPAYLOAD=folder and /DOUTFILE=file override those paths (a placeholder payload checks the script
; on Linux: docs/packaging.md). Paths are relative to this file's folder.
;
; The uninstaller removes only what the installer put there; each user's settings, memory and log
; (%LOCALAPPDATA%\hearth) stay.

Unicode true
!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef PAYLOAD
  !define PAYLOAD "../../dist/windows/hearth"
!endif
!ifndef OUTFILE
  !define OUTFILE "../../dist/windows/hearth-${VERSION}-setup.exe"
!endif
!define APP "Hearth"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Hearth"

!include "MUI2.nsh"
!include "x64.nsh"

Name "${APP} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP}"
InstallDirRegKey HKLM "Software\${APP}" "InstallDir"
RequestExecutionLevel admin
SetCompressor /SOLID lzma
BrandingText "${APP} ${VERSION}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP}: an offline voice assistant"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "MIT licence; third-party notices in THIRD_PARTY_NOTICES"

!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\hearth-gui.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start Hearth"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "../../LICENSE"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "Hearth needs 64-bit Windows."
    Abort
  ${EndIf}
  SetRegView 64
FunctionEnd

Section "Hearth" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  File /r "${PAYLOAD}/*.*"
  File "../../LICENSE"
  File "../../THIRD_PARTY_NOTICES"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\hearth-gui.exe" "" "$INSTDIR\hearth-gui.exe" 0
  WriteRegStr HKLM "Software\${APP}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "The Hearth authors"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\hearth-gui.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetRegView 64
  ; Only Hearth's own files: never a recursive delete of $INSTDIR itself, which a user may have
  ; pointed at a shared folder. _internal is PyInstaller's folder of Hearth's runtime.
  Delete "$SMPROGRAMS\${APP}.lnk"
  IfFileExists "$INSTDIR\hearth.exe" 0 +2
    RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\hearth.exe"
  Delete "$INSTDIR\hearth-gui.exe"
  Delete "$INSTDIR\LICENSE"
  Delete "$INSTDIR\THIRD_PARTY_NOTICES"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  DeleteRegKey HKLM "Software\${APP}"
SectionEnd
