@echo off
rem mixed-models.cmd: runs the command line (mixed-models-cli.jar, next to this bin\ folder) with the JVM options
rem that the README's Performance section measured for it; the same rule as bin/mixed-models (see its comments):
rem C1 only (-XX:TieredStopAtLevel=1) unless a formula has a second '|' or a residual structure, or --family is
rem given, or the command is bench or joint; the serial collector always. "java -jar mixed-models-cli.jar ..." runs
rem the same program with the JVM's defaults and gives the same output.
rem Environment: JAVA_HOME, MIXED_MODELS_JAR, MIXED_MODELS_JIT=quick|full|auto, MIXED_MODELS_JAVA_OPTS,
rem MIXED_MODELS_SHOW_COMMAND=1 (as bin/mixed-models).
setlocal EnableExtensions EnableDelayedExpansion
if defined MIXED_MODELS_JAR (set "MM_JAR=%MIXED_MODELS_JAR%") else (set "MM_JAR=%~dp0..\mixed-models-cli.jar")
if not exist "%MM_JAR%" (
    echo Error: the command-line jar '%MM_JAR%' does not exist; build it with 'mvn package' or set MIXED_MODELS_JAR. 1>&2
    exit /b 2
)
if defined JAVA_HOME (set "MM_JAVA=%JAVA_HOME%\bin\java.exe") else (set "MM_JAVA=java")
set "MM_JIT=%MIXED_MODELS_JIT%"
if not defined MM_JIT set "MM_JIT=auto"
if /i not "%MM_JIT%"=="auto" goto options
set "MM_JIT=quick"
if /i "%~1"=="bench" set "MM_JIT=full"
if /i "%~1"=="joint" set "MM_JIT=full"
:next
if "%~1"=="" goto options
set "MM_ARG=%~1"
shift
if /i "!MM_ARG:~0,8!"=="--family" set "MM_JIT=full"
set "MM_REST=!MM_ARG:*|=!"
if not "!MM_REST!"=="!MM_ARG!" if not "!MM_REST:|=!"=="!MM_REST!" set "MM_JIT=full"
for %%s in (ar1 ar1h cs csh toep toeph adh arma11 us sp_exp sp_gau sp_exp_nugget sp_gau_nugget diag varident) do (
    if not "!MM_ARG:%%s(=!"=="!MM_ARG!" set "MM_JIT=full"
)
goto next
:options
if /i "%MM_JIT%"=="quick" (
    set "MM_OPTS=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
) else if /i "%MM_JIT%"=="full" (
    set "MM_OPTS=-XX:+UseSerialGC"
) else (
    echo Error: MIXED_MODELS_JIT must be quick, full or auto, not '%MM_JIT%'. 1>&2
    exit /b 2
)
if defined MIXED_MODELS_SHOW_COMMAND echo "%MM_JAVA%" %MM_OPTS% %MIXED_MODELS_JAVA_OPTS% -jar "%MM_JAR%" 1>&2
endlocal & "%MM_JAVA%" %MM_OPTS% %MIXED_MODELS_JAVA_OPTS% -jar "%MM_JAR%" %*
